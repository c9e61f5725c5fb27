namespace TokenOps.Proxy.Forwarding;

/// <summary>
/// Forwarder counters for <c>tokenops status</c> and <c>/readyz</c>. Lock-free (Interlocked); read them any time.
/// </summary>
public sealed class ForwarderCounters
{
    private readonly long[] _errors = new long[Enum.GetValues<ForwarderError>().Length];
    private long _requests;
    private long _inFlight;
    private long _requestBytes;
    private long _responseBytes;
    private long _completionsDropped;
    private long _observerFailures;

    /// <summary>Requests received on a provider route (including failed ones).</summary>
    public long Requests => Volatile.Read(ref _requests);

    public long InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Request body bytes sent upstream.</summary>
    public long RequestBytes => Volatile.Read(ref _requestBytes);

    /// <summary>Response body bytes sent to clients.</summary>
    public long ResponseBytes => Volatile.Read(ref _responseBytes);

    /// <summary>Completed exchanges whose event was dropped because too many completions were pending.</summary>
    public long CompletionsDropped => Volatile.Read(ref _completionsDropped);

    /// <summary>Observers disabled because they threw.</summary>
    public long ObserverFailures => Volatile.Read(ref _observerFailures);

    public long Errors(ForwarderError error) => Volatile.Read(ref _errors[(int)error]);

    /// <summary>All failures (every member but <see cref="ForwarderError.None"/>).</summary>
    public long TotalErrors
    {
        get
        {
            long total = 0;
            for (var i = 1; i < _errors.Length; i++)
            {
                total += Volatile.Read(ref _errors[i]);
            }

            return total;
        }
    }

    internal void RequestStarted()
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref _inFlight);
    }

    internal void RequestEnded() => Interlocked.Decrement(ref _inFlight);

    internal void AddBytes(long requestBytes, long responseBytes)
    {
        if (requestBytes != 0)
        {
            Interlocked.Add(ref _requestBytes, requestBytes);
        }

        if (responseBytes != 0)
        {
            Interlocked.Add(ref _responseBytes, responseBytes);
        }
    }

    internal void Error(ForwarderError error) => Interlocked.Increment(ref _errors[(int)error]);

    internal void CompletionDropped() => Interlocked.Increment(ref _completionsDropped);

    internal void ObserverFailed() => Interlocked.Increment(ref _observerFailures);
}
