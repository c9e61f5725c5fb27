using System.Globalization;
using TokenOps.Optimizer.Body;
using TokenOps.Optimizer.Pipeline;

namespace TokenOps.Optimizer.SemanticDedupe;

/// <summary>
/// <c>semantic_dedupe</c>: a message or block that (nearly) repeats an earlier one is replaced by a short reference to it.
/// </summary>
/// <remarks>
/// <para>Algorithm: every text string of the request (system, message text, tool results) of at least
/// <c>optimizer.dedupe.min_tokens</c> tokens is reduced to its set of word 4-shingles (lower-cased letter/digit words,
/// hashed with 64-bit FNV-1a). Walking in conversation order, a block whose Jaccard similarity |A∩B| / |A∪B| with an
/// EARLIER kept block is ≥ <c>optimizer.dedupe.threshold</c> (default 0.85) is replaced by
/// <c>[TokenOps: duplicate of message #i omitted (similarity 0.97)]</c> (messages numbered from 1 in the request, the
/// system prompt is "the system prompt"). The earlier copy is always the one kept, so the model still reads the content
/// once, in its original place. The last message of the request (the current instruction) is never replaced, and a block
/// is never compared with another block of the same message.</para>
/// <para>Quality: 0.95 for exact duplicates (similarity 1); J − 0.05 for near-duplicates (their differences are lost),
/// so at the default min_quality 0.85 only blocks at least 90% similar are applied live. The proposal's quality is the
/// lowest of its replacements.</para>
/// </remarks>
internal sealed class SemanticDeduplicator(OptimizerOptions options) : IOptimizer
{
    public const int ShingleSize = 4;
    public const double ExactQuality = 0.95;

    public string Kind => OptimizerKinds.SemanticDedupe;

    /// <summary>A duplicate needs two texts of at least <c>optimizer.dedupe.min_tokens</c> (the test Propose applies to each).</summary>
    public bool MayPropose(OptimizerLook look)
    {
        var candidates = 0;
        var slots = look.Outline.Slots;
        for (var i = 0; i < slots.Count; i++)
        {
            var text = slots[i].Text;
            if (text.Length >= options.DedupeMinTokens && look.Meter.CountText(text, look.Model) >= options.DedupeMinTokens
                && ++candidates == 2)
            {
                return true;
            }
        }

        return false;
    }

    public OptimizerProposal? Propose(OptimizerInput input)
    {
        var document = input.Document;
        var slots = document.Slots();
        var lastMessage = document.Messages.Count == 0 ? -2 : document.Messages[^1].Index;
        var kept = new List<(TextSlot Slot, HashSet<ulong> Shingles)>();
        var replaced = 0;
        var quality = 1.0;
        var minSimilarity = 1.0;
        foreach (var slot in slots)
        {
            var text = slot.Text;
            if (text.Length < options.DedupeMinTokens || input.Meter.CountText(text, input.Model) < options.DedupeMinTokens)
            {
                continue;
            }

            var shingles = Shingles(text);
            if (shingles.Count == 0)
            {
                continue;
            }

            (TextSlot Slot, double Similarity)? match = null;
            if (slot.Message != lastMessage)
            {
                foreach (var (earlier, earlierShingles) in kept)
                {
                    if (earlier.Message == slot.Message)
                    {
                        continue;
                    }

                    var similarity = Jaccard(shingles, earlierShingles);
                    if (similarity >= options.DedupeThreshold && (match is null || similarity > match.Value.Similarity))
                    {
                        match = (earlier, similarity);
                    }
                }
            }

            if (match is { } m)
            {
                slot.Text = Reference(m.Slot, m.Similarity, document);
                replaced++;
                quality = Math.Min(quality, QualityFor(m.Similarity));
                minSimilarity = Math.Min(minSimilarity, m.Similarity);
            }
            else
            {
                kept.Add((slot, shingles));
            }
        }

        if (replaced == 0)
        {
            return null;
        }

        return new OptimizerProposal
        {
            Body = document.Root,
            Quality = quality,
            Reason = string.Create(CultureInfo.InvariantCulture,
                $"{replaced} block(s) repeating an earlier one (shingle Jaccard ≥ {minSimilarity:0.00}) replaced by a reference"),
        };
    }

    internal static double QualityFor(double similarity) => similarity >= 0.9999 ? ExactQuality : similarity - 0.05;

    private static string Reference(TextSlot earlier, double similarity, PromptDocument document)
    {
        var where = earlier.Message < 0 ? "the system prompt" : "message #" + (earlier.Message + 1).ToString(CultureInfo.InvariantCulture);
        return similarity >= 0.9999
            ? "[TokenOps: duplicate of " + where + " omitted]"
            : string.Create(CultureInfo.InvariantCulture, $"[TokenOps: near-duplicate of {where} omitted (similarity {similarity:0.00})]");
    }

    /// <summary>Word 4-shingles of lower-cased letter/digit words, FNV-1a 64 hashed. Texts shorter than 4 words give one shingle of all words.</summary>
    internal static HashSet<ulong> Shingles(string text)
    {
        var words = new List<ulong>();
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                break;
            }

            var hash = 14695981039346656037UL;
            while (i < text.Length && char.IsLetterOrDigit(text[i]))
            {
                hash = (hash ^ char.ToLowerInvariant(text[i])) * 1099511628211UL;
                i++;
            }

            words.Add(hash);
        }

        var set = new HashSet<ulong>();
        if (words.Count == 0)
        {
            return set;
        }

        var n = Math.Min(ShingleSize, words.Count);
        for (var s = 0; s + n <= words.Count; s++)
        {
            var h = 14695981039346656037UL;
            for (var k = 0; k < n; k++)
            {
                h = (h ^ words[s + k]) * 1099511628211UL;
                h = (h << 7) | (h >> 57);
            }

            set.Add(h);
        }

        return set;
    }

    internal static double Jaccard(HashSet<ulong> a, HashSet<ulong> b)
    {
        if (a.Count == 0 && b.Count == 0)
        {
            return 1;
        }

        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        var intersection = 0;
        foreach (var h in small)
        {
            if (large.Contains(h))
            {
                intersection++;
            }
        }

        return (double)intersection / (a.Count + b.Count - intersection);
    }
}
