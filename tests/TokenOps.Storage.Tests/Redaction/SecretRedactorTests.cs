using System.Text;
using TokenOps.Storage.Redaction;

namespace TokenOps.Storage.Tests.Redaction;

public sealed class SecretRedactorTests
{
    [Theory]
    [InlineData("key sk-proj-abcdefghijklmnop1234 end", "key [REDACTED] end")]
    [InlineData("sk-ant-api03-AbCdEf_123-456789xyz", "[REDACTED]")]
    [InlineData("url ?key=AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW&x=1", "url ?key=[REDACTED]&x=1")]
    [InlineData("Authorization: Bearer eyJhbGciOi.payload.sig==", "Authorization: Bearer [REDACTED]")]
    [InlineData("authorization: bearer abc123def456", "authorization: Bearer [REDACTED]")]
    [InlineData("{\"api_key\": \"anything-at-all\"}", "{\"api_key\":\"[REDACTED]\"}")]
    [InlineData("{\"apiKey\":\"x\"}", "{\"apiKey\":\"[REDACTED]\"}")]
    [InlineData("{\"x-api-key\":\"short\",\"a\":1}", "{\"x-api-key\":\"[REDACTED]\",\"a\":1}")]
    [InlineData("{\"Authorization\":\"Basic dXNlcjpwYXNz\"}", "{\"Authorization\":\"[REDACTED]\"}")]
    [InlineData("{\"password\":\"hunter2\",\"secret\":\"s3\\\"cr3t\"}", "{\"password\":\"[REDACTED]\",\"secret\":\"[REDACTED]\"}")]
    [InlineData("{\"password\": 123456}", "{\"password\":\"[REDACTED]\"}")]
    public void Redact_Secret_IsReplaced(string input, string expected) =>
        Assert.Equal(expected, SecretRedactor.Redact(input));

    [Theory]
    [InlineData("ask-me-anything is not a key")]
    [InlineData("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"what is a task-list?\"}]}")]
    [InlineData("sk-short")]
    [InlineData("{\"max_tokens\":100,\"keywords\":\"api\"}")]
    public void Redact_NoSecret_ReturnsSameInstance(string input)
    {
        Assert.Same(input, SecretRedactor.Redact(input));
        Assert.False(SecretRedactor.ContainsSecret(input));
    }

    [Fact]
    public void Redact_Utf8Body_KeepsContentAndRemovesKeys()
    {
        var body = Encoding.UTF8.GetBytes("{\"messages\":[{\"content\":\"héllo, my key is sk-proj-0123456789abcdefXYZ\"}],\"api_key\":\"sk-ant-api03-zzzzzzzzzzzzzzzzzz\"}");

        var text = Encoding.UTF8.GetString(SecretRedactor.Redact(body));

        Assert.Equal("{\"messages\":[{\"content\":\"héllo, my key is [REDACTED]\"}],\"api_key\":\"[REDACTED]\"}", text);
    }
}
