using System.Buffers;
using System.Text.Json;
using TokenOps.Proxy.Forwarding;
using TokenOps.Proxy.Providers;

namespace TokenOps.Proxy.Tests.Forwarding;

public sealed class ForwarderErrorMappingTests
{
    public static TheoryData<ForwarderError, int> Statuses => new()
    {
        { ForwarderError.None, 500 },
        { ForwarderError.NoRoute, 404 },
        { ForwarderError.RequestCreation, 400 },
        { ForwarderError.InterceptorFailed, 500 },
        { ForwarderError.UpstreamConnectFailed, 502 },
        { ForwarderError.UpstreamTimeout, 504 },
        { ForwarderError.UpstreamIdleTimeout, 504 },
        { ForwarderError.UpstreamRequestFailed, 502 },
        { ForwarderError.UpstreamRequestBodyFailed, 502 },
        { ForwarderError.RequestBodyClientFailed, 400 },
        { ForwarderError.RequestBodyClientTimeout, 408 },
        { ForwarderError.ClientAborted, ForwarderErrorMapping.Abort },
        { ForwarderError.UpstreamResponseBodyFailed, 502 },
        { ForwarderError.ResponseBodyClientFailed, ForwarderErrorMapping.Abort },
    };

    [Fact]
    public void Statuses_CoverEveryEnumMember() =>
        Assert.Equal(Enum.GetValues<ForwarderError>().Length, Statuses.Count);

    [Theory]
    [MemberData(nameof(Statuses))]
    public void StatusCode_EveryMember_Mapped(ForwarderError error, int expected)
    {
        Assert.Equal(expected, ForwarderErrorMapping.StatusCode(error));
        Assert.Equal(expected == ForwarderErrorMapping.Abort, ForwarderErrorMapping.ShouldAbort(error, responseStarted: false));
        Assert.True(ForwarderErrorMapping.ShouldAbort(error, responseStarted: true));
        Assert.StartsWith("tokenops_", ForwarderErrorMapping.Code(error), StringComparison.Ordinal);
        Assert.StartsWith("TokenOps: ", ForwarderErrorMapping.Message(error), StringComparison.Ordinal);
    }

    public static TheoryData<ForwarderError> AllErrors()
    {
        var data = new TheoryData<ForwarderError>();
        foreach (var e in Enum.GetValues<ForwarderError>())
        {
            data.Add(e);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllErrors))]
    public void WriteBody_OpenAI_ErrorMessageTypeCode(ForwarderError error)
    {
        using var doc = Write(ProviderKind.OpenAI, error);
        var e = doc.RootElement.GetProperty("error");
        Assert.Equal(ForwarderErrorMapping.Message(error), e.GetProperty("message").GetString());
        Assert.Equal(ForwarderErrorMapping.Code(error), e.GetProperty("code").GetString());
        var status = EffectiveStatus(error);
        Assert.Equal(status >= 500 ? "server_error" : "invalid_request_error", e.GetProperty("type").GetString());
        Assert.Single(doc.RootElement.EnumerateObject());
    }

    [Theory]
    [MemberData(nameof(AllErrors))]
    public void WriteBody_Anthropic_TypeErrorWithTypeAndMessage(ForwarderError error)
    {
        using var doc = Write(ProviderKind.Anthropic, error);
        Assert.Equal("error", doc.RootElement.GetProperty("type").GetString());
        var e = doc.RootElement.GetProperty("error");
        Assert.Equal(ForwarderErrorMapping.Message(error), e.GetProperty("message").GetString());
        var expectedType = EffectiveStatus(error) switch
        {
            400 => "invalid_request_error",
            404 => "not_found_error",
            408 or 504 => "timeout_error",
            _ => "api_error",
        };
        Assert.Equal(expectedType, e.GetProperty("type").GetString());
    }

    [Theory]
    [MemberData(nameof(AllErrors))]
    public void WriteBody_Gemini_CodeMessageStatus(ForwarderError error)
    {
        using var doc = Write(ProviderKind.Gemini, error);
        var e = doc.RootElement.GetProperty("error");
        var status = EffectiveStatus(error);
        Assert.Equal(status, e.GetProperty("code").GetInt32());
        Assert.Equal(ForwarderErrorMapping.Message(error), e.GetProperty("message").GetString());
        var expectedStatus = status switch
        {
            400 => "INVALID_ARGUMENT",
            404 => "NOT_FOUND",
            408 or 504 => "DEADLINE_EXCEEDED",
            502 => "UNAVAILABLE",
            _ => "INTERNAL",
        };
        Assert.Equal(expectedStatus, e.GetProperty("status").GetString());
    }

    [Fact]
    public void WriteBody_Unknown_UsesGenericOpenAIShape()
    {
        using var doc = Write(ProviderKind.Unknown, ForwarderError.NoRoute);
        Assert.Equal("tokenops_no_route", doc.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    private static int EffectiveStatus(ForwarderError error)
    {
        var s = ForwarderErrorMapping.StatusCode(error);
        return s == ForwarderErrorMapping.Abort ? 500 : s;
    }

    private static JsonDocument Write(ProviderKind provider, ForwarderError error)
    {
        var buffer = new ArrayBufferWriter<byte>();
        ForwarderErrorMapping.WriteBody(buffer, provider, error);
        return JsonDocument.Parse(buffer.WrittenMemory);
    }
}
