using TokenOps.Otlp.Redaction;

namespace TokenOps.Otlp.Tests.Redaction;

public sealed class SecretRedactorTests
{
    [Theory]
    [InlineData("key sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2 end", "sk-proj-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2")]
    [InlineData("anthropic sk-ant-api03-abcdefghijklmnopqrstu", "sk-ant-api03-abcdefghijklmnopqrstu")]
    [InlineData("google AIzaSyA1234567890abcdefghijklmnopqrstuv", "AIzaSyA1234567890abcdefghijklmnopqrstuv")]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9.payload.sig")]
    [InlineData("{\"api_key\": \"plainsecret123\"}", "plainsecret123")]
    [InlineData("x-api-key: abcd1234efgh", "abcd1234efgh")]
    [InlineData("https://host/v1?key=mykey12345&alt=sse", "mykey12345")]
    [InlineData("{\"password\":\"p@ssw0rd!\"}", "p@ssw0rd!")]
    public void Redact_TextWithSecret_RemovesIt(string text, string secret)
    {
        var redacted = SecretRedactor.Redact(text);
        Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        Assert.Contains(SecretRedactor.Mask, redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_OrdinaryPrompt_IsUnchanged()
    {
        const string Prompt = "{\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the risk-free rate; keep it short.\"}],\"max_tokens\":100}";
        Assert.Equal(Prompt, SecretRedactor.Redact(Prompt));
    }
}
