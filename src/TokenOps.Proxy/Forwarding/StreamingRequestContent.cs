using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// The upstream request body: streams <c>Request.BodyReader</c> to the upstream connection as it arrives, never
/// holding more than the pipe's current segments. Failures are recorded in <see cref="Error"/> before the
/// exception propagates, so the forwarder can tell a client fault from an upstream one (the handler wraps both
/// into the same HttpRequestException).
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly PipeReader _source;
    private readonly ActivityTimeout _activity;
    private readonly ForwardingExchange? _exchange;
    private readonly CancellationToken _clientAborted;

    public StreamingRequestContent(PipeReader source, ActivityTimeout activity, ForwardingExchange? exchange, CancellationToken clientAborted)
    {
        _source = source;
        _activity = activity;
        _exchange = exchange;
        _clientAborted = clientAborted;
    }

    /// <summary>Bytes written upstream.</summary>
    public long Bytes { get; private set; }

    /// <summary>Set when the copy failed, saying on which side.</summary>
    public ForwarderError Error { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // The handler passes the token given to SendAsync, i.e. the activity token (timeouts + client abort).
        var token = cancellationToken.CanBeCanceled ? cancellationToken : _activity.Token;

        while (true)
        {
            ReadResult result;
            try
            {
                result = await _source.ReadAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                Error = ClassifyClientReadFailure(ex);
                throw;
            }

            var buffer = result.Buffer;
            try
            {
                foreach (var segment in buffer)
                {
                    await stream.WriteAsync(segment, token).ConfigureAwait(false);
                    _exchange?.OnRequestBody(segment.Span);
                    Bytes += segment.Length;
                }
            }
            catch (Exception)
            {
                Error = _clientAborted.IsCancellationRequested ? ForwarderError.ClientAborted : ForwarderError.UpstreamRequestBodyFailed;
                throw;
            }
            finally
            {
                _source.AdvanceTo(buffer.End);
            }

            _activity.Touch();
            if (result.IsCompleted || result.IsCanceled)
            {
                return;
            }
        }
    }

    private ForwarderError ClassifyClientReadFailure(Exception ex)
    {
        if (_clientAborted.IsCancellationRequested)
        {
            return ForwarderError.ClientAborted;
        }

        if (ex is BadHttpRequestException bad)
        {
            return bad.StatusCode == StatusCodes.Status408RequestTimeout
                ? ForwarderError.RequestBodyClientTimeout
                : ForwarderError.RequestBodyClientFailed;
        }

        // Our own activity token: the upstream stopped accepting the body long enough to time out.
        return ex is OperationCanceledException ? ForwarderError.UpstreamTimeout : ForwarderError.RequestBodyClientFailed;
    }

    protected override bool TryComputeLength(out long length)
    {
        // A known Content-Length is set explicitly on Headers; otherwise the handler uses chunked framing.
        length = -1;
        return false;
    }
}
