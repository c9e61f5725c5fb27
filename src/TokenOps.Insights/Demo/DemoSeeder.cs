using TokenOps.Core.Bus;
using TokenOps.Core.Events;

namespace TokenOps.Insights.Demo;

/// <summary>Writes generated demo envelopes through a real sink (the SQLite sink in the executable).</summary>
public static class DemoSeeder
{
    public const int BatchSize = 512;

    /// <summary>Writes <paramref name="envelopes"/> in batches (one sink transaction each), then flushes. Returns the count written.</summary>
    public static async Task<int> WriteToSinkAsync(IReadOnlyList<Envelope> envelopes, IEventSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        ArgumentNullException.ThrowIfNull(sink);
        for (var offset = 0; offset < envelopes.Count; offset += BatchSize)
        {
            var count = Math.Min(BatchSize, envelopes.Count - offset);
            var batch = new Envelope[count];
            for (var i = 0; i < count; i++)
            {
                batch[i] = envelopes[offset + i];
            }

            await sink.WriteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
        return envelopes.Count;
    }
}
