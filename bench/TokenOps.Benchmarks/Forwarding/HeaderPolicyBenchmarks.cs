using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using TokenOps.Proxy.Forwarding;

namespace TokenOps.Benchmarks.Forwarding;

/// <summary>
/// The forwarder's header step (<see cref="HeaderPolicy"/>, the real code): which headers cross the proxy, and the copy
/// onto the upstream request / client response. The headers are what the OpenAI SDK sends (credentials, x-stainless-*,
/// a traceparent, our own X-TokenOps-* attribution, hop-by-hop Connection) and what an upstream answers. The target
/// message and dictionary are reused and cleared per operation, so what is measured is the policy and the copy — not
/// constructing the HttpRequestMessage the forwarder needs anyway. The baseline is the filter alone.
/// </summary>
[MemoryDiagnoser]
public class HeaderPolicyBenchmarks
{
    private readonly HttpRequestMessage _request = new(HttpMethod.Post, "http://127.0.0.1/v1/chat/completions");
    private readonly ByteArrayContent _content = new([]);
    private readonly HttpResponseMessage _response = new(System.Net.HttpStatusCode.OK);
    private readonly HeaderDictionary _clientResponse = [];
    private IHeaderDictionary _clientRequest = null!;
    private string[] _requestNames = [];
    private string[] _responseNames = [];
    private StringValues _connection;

    [GlobalSetup]
    public void Setup()
    {
        _clientRequest = new HeaderDictionary
        {
            ["Host"] = "127.0.0.1:8787",
            ["Connection"] = "keep-alive",
            ["Content-Type"] = "application/json",
            ["Content-Length"] = "1024",
            ["Accept"] = "application/json",
            ["Accept-Encoding"] = "gzip, deflate",
            ["Authorization"] = "Bearer sk-proj-0123456789abcdefghijklmnopqrstuvwxyz",
            ["User-Agent"] = "OpenAI/JS 6.49.0",
            ["X-Stainless-Lang"] = "js",
            ["X-Stainless-Package-Version"] = "6.49.0",
            ["X-Stainless-OS"] = "Linux",
            ["X-Stainless-Arch"] = "x64",
            ["X-Stainless-Runtime"] = "node",
            ["X-Stainless-Retry-Count"] = "0",
            ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ["X-TokenOps-Session-Id"] = "session-42",
        };
        _connection = _clientRequest.Connection;
        _requestNames = [.. _clientRequest.Keys];

        _response.Headers.TryAddWithoutValidation("Date", "Thu, 03 Dec 2026 12:00:00 GMT");
        _response.Headers.TryAddWithoutValidation("Connection", "keep-alive");
        _response.Headers.TryAddWithoutValidation("openai-organization", "org-benchmark");
        _response.Headers.TryAddWithoutValidation("openai-processing-ms", "412");
        _response.Headers.TryAddWithoutValidation("openai-version", "2020-10-01");
        _response.Headers.TryAddWithoutValidation("x-request-id", "req_0123456789abcdef");
        _response.Headers.TryAddWithoutValidation("x-ratelimit-remaining-requests", "9999");
        _response.Headers.TryAddWithoutValidation("x-ratelimit-remaining-tokens", "199000");
        _response.Headers.TryAddWithoutValidation("Alt-Svc", "h3=\":443\"; ma=86400");
        _response.Content = new ByteArrayContent([]);
        _response.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        _response.Content.Headers.TryAddWithoutValidation("Content-Length", "1225");
        var names = new List<string>();
        foreach (var header in _response.Headers.NonValidated)
        {
            names.Add(header.Key);
        }

        foreach (var header in _response.Content.Headers.NonValidated)
        {
            names.Add(header.Key);
        }

        _responseNames = [.. names];

        // Sanity: the policy must actually filter, or this benchmark measures nothing.
        HeaderPolicy.CopyRequestHeaders(_clientRequest, _request, _content);
        if (_request.Headers.Contains("Connection") || _request.Headers.Contains("Host") || _request.Headers.Contains("X-TokenOps-Session-Id")
            || !_request.Headers.Contains("Authorization") || !_content.Headers.Contains("Content-Type"))
        {
            throw new InvalidOperationException("HeaderPolicy did not filter the request headers as expected.");
        }

        ClearRequest();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _request.Dispose();
        _response.Dispose();
    }

    /// <summary>The per-header decision for a 16-header client request (hop-by-hop, Host, X-TokenOps-*, Connection-named).</summary>
    [Benchmark(Baseline = true)]
    public int FilterRequestHeaders()
    {
        var forwarded = 0;
        foreach (var name in _requestNames)
        {
            if (HeaderPolicy.ShouldForwardRequestHeader(name, _connection))
            {
                forwarded++;
            }
        }

        return forwarded;
    }

    /// <summary>HeaderPolicy.CopyRequestHeaders onto the upstream request and its content, as in Forwarder.CreateRequest.</summary>
    [Benchmark]
    public int CopyRequestHeaders()
    {
        HeaderPolicy.CopyRequestHeaders(_clientRequest, _request, _content);
        var count = _request.Headers.NonValidated.Count;
        ClearRequest();
        return count;
    }

    [Benchmark]
    public int FilterResponseHeaders()
    {
        var forwarded = 0;
        foreach (var name in _responseNames)
        {
            if (HeaderPolicy.ShouldForwardResponseHeader(name, _connection))
            {
                forwarded++;
            }
        }

        return forwarded;
    }

    /// <summary>HeaderPolicy.CopyResponseHeaders from the upstream response (unvalidated) onto the client's response headers.</summary>
    [Benchmark]
    public int CopyResponseHeaders()
    {
        HeaderPolicy.CopyResponseHeaders(_response, _clientResponse);
        var count = _clientResponse.Count;
        _clientResponse.Clear();
        return count;
    }

    private void ClearRequest()
    {
        _request.Headers.Clear();
        _content.Headers.Clear();
    }
}
