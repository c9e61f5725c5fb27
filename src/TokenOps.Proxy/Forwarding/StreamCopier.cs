using System.Diagnostics;
using System.IO.Pipelines;

namespace TokenOps.Proxy.Forwarding;

internal enum StreamCopyResult
{
    Success,
    /// <summary>Reading the upstream body failed.</summary>
    InputError,
    /// <summary>Writing to the client failed (or the client's pipe completed).</summary>
    OutputError,
    /// <summary>The activity token fired (idle timeout or client abort; the caller tells which).</summary>
    Canceled,
}

/// <summary>
/// Copies the upstream response body to the client, chunk by chunk as it arrives (cf. YARP StreamCopier).
/// Returns a result; exceptions are only for bugs.
/// </summary>
internal static class StreamCopier
{
    /// <remarks>
    /// Each iteration: a zero-byte read waits for data WITHOUT holding a buffer (thousands of idle SSE streams
    /// then pin no memory), then reads straight into the client pipe's own memory (no intermediate copy),
    /// feeds the observer the exact bytes, and flushes — so every SSE event reaches the client the moment the
    /// upstream sent it.
    /// </remarks>
    public static async ValueTask<(StreamCopyResult Result, long Bytes)> CopyAsync(
        Stream source, PipeWriter destination, ActivityTimeout activity, ForwardingExchange? exchange, ResponseTapGuard? tap = null)
    {
        var token = activity.Token;
        long bytes = 0;
        while (true)
        {
            int read;
            Memory<byte> memory;
            try
            {
                await source.ReadAsync(Memory<byte>.Empty, token).ConfigureAwait(false);
                memory = destination.GetMemory();
                read = await source.ReadAsync(memory, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return (StreamCopyResult.Canceled, bytes);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException)
            {
                return (token.IsCancellationRequested ? StreamCopyResult.Canceled : StreamCopyResult.InputError, bytes);
            }

            if (read == 0)
            {
                return (StreamCopyResult.Success, bytes);
            }

            activity.Touch();
            exchange?.OnResponseBody(memory.Span[..read], Stopwatch.GetTimestamp());
            tap?.Body(memory.Span[..read]);

            destination.Advance(read);
            bytes += read;

            FlushResult flush;
            try
            {
                flush = await destination.FlushAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return (StreamCopyResult.Canceled, bytes);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException)
            {
                return (StreamCopyResult.OutputError, bytes);
            }

            if (flush.IsCanceled)
            {
                return (StreamCopyResult.Canceled, bytes);
            }

            if (flush.IsCompleted)
            {
                return (StreamCopyResult.OutputError, bytes);
            }
        }
    }
}
