using System.Runtime.InteropServices;

namespace TokenOps.Core.Bus;

/// <summary>
/// A long alone on its cache line(s): 56 bytes before, 64 after (covers adjacent-line prefetch), as in
/// Disruptor-net's <c>Sequence</c>. Producers hammer the cursor while the consumer writes its own
/// sequence; without padding they would false-share one line and every claim would bounce it between cores.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedLong
{
    [FieldOffset(56)]
    public long Value;
}
