using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using TokenOps.Optimizer.Body;
using TokenOps.Optimizer.Pipeline;

namespace TokenOps.Optimizer.RetrievalPrune;

/// <summary>
/// <c>retrieval_prune</c>: oversized retrieval dumps (RAG context) keep only the chunks relevant to the latest user turn.
/// </summary>
/// <remarks>
/// <para>Algorithm, per text string of at least <c>optimizer.retrieval.min_block_tokens</c> (400) tokens — system prompt,
/// message text or tool result:</para>
/// <list type="number">
/// <item>Chunking. Numbered chunks: lines starting with <c>[n]</c>, <c>Document n</c> / <c>Doc</c> / <c>Chunk</c> /
/// <c>Source</c> / <c>Passage</c> / <c>Result</c> / <c>Snippet</c> / <c>Excerpt n</c> (optionally as a markdown heading) or
/// <c>&lt;document …&gt;</c>; a chunk runs to the next marker, and the last one to a separator line, a
/// <c>Question:</c>/<c>Query:</c>/<c>Task:</c> line, <c>&lt;/documents&gt;</c> or the end. Otherwise separator lines
/// (<c>---</c>, <c>***</c>, <c>===</c>, <c>___</c>) split the block and the segments between them are the chunks.
/// At least <c>optimizer.retrieval.min_chunks</c> (4) chunks are needed.</item>
/// <item>Query: the latest real user turn. When the block sits in that very message, the query is the message's text
/// outside the chunks (preamble + question), so the chunks do not vote for themselves.</item>
/// <item>Relevance: lexical, BM25 (k1 = 1.2, b = 0.75) over lower-cased, stop-word-filtered, lightly stemmed words,
/// with IDF computed across the block's chunks. Position plays no part.</item>
/// <item>Keep chunks scoring ≥ <c>optimizer.retrieval.relative_score</c> (0.2) × the best score, and always the
/// <c>optimizer.retrieval.keep_min</c> (2) best. When no chunk shares a word with the query, nothing is pruned (no
/// evidence). Kept chunks stay verbatim and in order; one line records which chunks were omitted.</item>
/// </list>
/// <para>Quality: 0.8 + 0.15 × (relevance mass kept / total relevance mass): 0.95 when every pruned chunk scored zero.</para>
/// </remarks>
internal sealed partial class RetrievalPruner(OptimizerOptions options) : IOptimizer
{
    private const double K1 = 1.2;
    private const double B = 0.75;

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "the", "and", "for", "are", "but", "not", "you", "all", "any", "can", "had", "her", "was", "one", "our", "out", "has",
        "him", "his", "how", "its", "may", "new", "now", "see", "two", "who", "did", "get", "let", "say", "she", "too", "use",
        "that", "with", "have", "this", "will", "your", "from", "they", "know", "want", "been", "good", "much", "some", "time",
        "very", "when", "come", "here", "just", "like", "long", "make", "many", "more", "only", "over", "such", "take", "than",
        "them", "well", "were", "what", "which", "their", "there", "these", "those", "would", "about", "could", "should",
        "into", "does", "also", "then", "each", "other", "answer", "question", "using", "based", "following", "context",
        "document", "documents", "please", "tell", "explain", "give", "provided", "below", "above", "where", "why", "information",
    };

    public string Kind => OptimizerKinds.RetrievalPrune;

    [GeneratedRegex(@"^\s{0,3}(?:\[(?<n>\d{1,4})\]|(?:#{1,6}\s*)?(?:\*\*)?(?:document|doc|chunk|source|passage|result|snippet|excerpt)\s*#?\s*(?<n>\d{1,4})\b|<document\b[^>]*>)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MarkerRegex();

    [GeneratedRegex(@"^\s{0,3}(?:-{3,}|\*{3,}|={3,}|_{3,})\s*$")]
    private static partial Regex SeparatorRegex();

    [GeneratedRegex(@"^\s{0,3}(?:#{1,6}\s*)?(?:\*\*)?(?:question|query|task|user question|instructions?)\b\s*\**\s*:|^\s*</documents>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TerminatorRegex();

    /// <summary>Only a text long enough to be a retrieval block (the same length test Propose starts with).</summary>
    public bool MayPropose(OptimizerLook look)
    {
        var slots = look.Outline.Slots;
        for (var i = 0; i < slots.Count; i++)
        {
            if (slots[i].Text.Length >= options.RetrievalMinBlockTokens * 2)
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
        var lastUser = document.LastUserTurn();
        var lastUserIndex = lastUser < 0 ? -2 : document.Messages[lastUser].Index;
        var blocks = 0;
        var droppedTotal = 0;
        var chunksTotal = 0;
        var quality = 1.0;
        foreach (var slot in slots)
        {
            var text = slot.Text;
            if (text.Length < options.RetrievalMinBlockTokens * 2 || input.Meter.CountText(text, input.Model) < options.RetrievalMinBlockTokens)
            {
                continue;
            }

            var lines = text.Split('\n');
            var chunks = FindChunks(lines);
            if (chunks.Count < options.RetrievalMinChunks)
            {
                continue;
            }

            string query;
            if (slot.Message == lastUserIndex && lastUserIndex >= 0)
            {
                query = Outside(lines, chunks);
            }
            else if (lastUserIndex >= 0)
            {
                query = document.TextOf(lastUserIndex, slots);
            }
            else
            {
                // Responses API with a plain string input, or no user turn: only the block's own surroundings.
                query = Outside(lines, chunks);
            }

            var pruned = Prune(lines, chunks, query, out var dropped, out var keptMass);
            if (pruned is null)
            {
                continue;
            }

            slot.Text = pruned;
            blocks++;
            droppedTotal += dropped;
            chunksTotal += chunks.Count;
            quality = Math.Min(quality, 0.8 + (0.15 * keptMass));
        }

        if (blocks == 0)
        {
            return null;
        }

        return new OptimizerProposal
        {
            Body = document.Root,
            Quality = quality,
            Reason = string.Create(CultureInfo.InvariantCulture,
                $"pruned {droppedTotal} of {chunksTotal} retrieved chunk(s) in {blocks} block(s) with no lexical relevance to the latest user turn"),
        };
    }

    internal readonly record struct Chunk(int Start, int End, string Label);

    internal static List<Chunk> FindChunks(string[] lines)
    {
        var markers = new List<(int Line, string Label)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var m = MarkerRegex().Match(lines[i]);
            if (m.Success)
            {
                var n = m.Groups["n"];
                markers.Add((i, n.Success ? n.Value : (markers.Count + 1).ToString(CultureInfo.InvariantCulture)));
            }
        }

        var chunks = new List<Chunk>();
        if (markers.Count >= 2)
        {
            for (var k = 0; k < markers.Count; k++)
            {
                var start = markers[k].Line;
                var end = k + 1 < markers.Count ? markers[k + 1].Line : LastChunkEnd(lines, start + 1);
                chunks.Add(new Chunk(start, end, markers[k].Label));
            }

            return chunks;
        }

        var separators = new List<int>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (SeparatorRegex().IsMatch(lines[i]))
            {
                separators.Add(i);
            }
        }

        for (var k = 0; k + 1 < separators.Count; k++)
        {
            if (separators[k + 1] - separators[k] > 1)
            {
                chunks.Add(new Chunk(separators[k] + 1, separators[k + 1], (chunks.Count + 1).ToString(CultureInfo.InvariantCulture)));
            }
        }

        return chunks;
    }

    private static int LastChunkEnd(string[] lines, int from)
    {
        for (var i = from; i < lines.Length; i++)
        {
            if (SeparatorRegex().IsMatch(lines[i]) || TerminatorRegex().IsMatch(lines[i]))
            {
                // A closing </document> belongs to the chunk; blank lines before the terminator do not matter.
                return i;
            }
        }

        return lines.Length;
    }

    private static string Outside(string[] lines, List<Chunk> chunks)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < chunks[0].Start; i++)
        {
            sb.Append(lines[i]).Append('\n');
        }

        for (var i = chunks[^1].End; i < lines.Length; i++)
        {
            sb.Append(lines[i]).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>The block without its irrelevant chunks, or null when nothing should be pruned.</summary>
    internal string? Prune(string[] lines, List<Chunk> chunks, string query, out int dropped, out double keptMass)
    {
        dropped = 0;
        keptMass = 1;
        var queryTerms = new HashSet<string>(Terms(query), StringComparer.Ordinal);
        if (queryTerms.Count == 0)
        {
            return null;
        }

        var termFreqs = new List<Dictionary<string, int>>(chunks.Count);
        var lengths = new int[chunks.Count];
        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 0; c < chunks.Count; c++)
        {
            var tf = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = chunks[c].Start; i < chunks[c].End; i++)
            {
                foreach (var term in Terms(lines[i]))
                {
                    tf[term] = tf.GetValueOrDefault(term) + 1;
                    lengths[c]++;
                }
            }

            foreach (var term in tf.Keys)
            {
                if (queryTerms.Contains(term))
                {
                    df[term] = df.GetValueOrDefault(term) + 1;
                }
            }

            termFreqs.Add(tf);
        }

        var avgLength = Math.Max(1.0, lengths.Average());
        var scores = new double[chunks.Count];
        for (var c = 0; c < chunks.Count; c++)
        {
            foreach (var term in queryTerms)
            {
                if (!termFreqs[c].TryGetValue(term, out var tf))
                {
                    continue;
                }

                var n = df[term];
                var idf = Math.Log(1 + ((chunks.Count - n + 0.5) / (n + 0.5)));
                scores[c] += idf * (tf * (K1 + 1)) / (tf + (K1 * (1 - B + (B * lengths[c] / avgLength))));
            }
        }

        var best = scores.Max();
        if (best <= 0)
        {
            return null;
        }

        var order = Enumerable.Range(0, chunks.Count).OrderByDescending(c => scores[c]).ThenBy(c => c).ToArray();
        var keep = new bool[chunks.Count];
        for (var r = 0; r < order.Length; r++)
        {
            var c = order[r];
            keep[c] = r < options.RetrievalKeepMin || scores[c] >= options.RetrievalRelativeScore * best;
        }

        var omitted = new List<string>();
        double total = 0, kept = 0;
        for (var c = 0; c < chunks.Count; c++)
        {
            total += scores[c];
            if (keep[c])
            {
                kept += scores[c];
            }
            else
            {
                omitted.Add(chunks[c].Label);
            }
        }

        if (omitted.Count == 0)
        {
            return null;
        }

        dropped = omitted.Count;
        keptMass = total <= 0 ? 1 : kept / total;
        var sb = new StringBuilder();
        for (var i = 0; i < chunks[0].Start; i++)
        {
            sb.Append(lines[i]).Append('\n');
        }

        for (var c = 0; c < chunks.Count; c++)
        {
            if (!keep[c])
            {
                continue;
            }

            for (var i = chunks[c].Start; i < chunks[c].End; i++)
            {
                sb.Append(lines[i]).Append('\n');
            }
        }

        sb.Append("[TokenOps: ").Append(omitted.Count.ToString(CultureInfo.InvariantCulture)).Append(" of ")
            .Append(chunks.Count.ToString(CultureInfo.InvariantCulture))
            .Append(" retrieved chunks omitted as unrelated to the question: ").AppendJoin(", ", omitted).Append(']');
        var tail = chunks[^1].End;
        if (tail < lines.Length)
        {
            sb.Append('\n');
            for (var i = tail; i < lines.Length; i++)
            {
                sb.Append(lines[i]);
                if (i + 1 < lines.Length)
                {
                    sb.Append('\n');
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>Lower-cased letter/digit words of 3+ characters, stop words removed, plural/-ing/-ed suffixes stripped.</summary>
    internal static IEnumerable<string> Terms(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            var start = i;
            while (i < text.Length && char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            if (i - start < 3)
            {
                continue;
            }

            var word = text[start..i].ToLowerInvariant();
            if (StopWords.Contains(word))
            {
                continue;
            }

            yield return Stem(word);
        }
    }

    private static string Stem(string word)
    {
        if (word.Length > 5 && word.EndsWith("ing", StringComparison.Ordinal))
        {
            return word[..^3];
        }

        if (word.Length > 4 && word.EndsWith("ed", StringComparison.Ordinal))
        {
            return word[..^2];
        }

        if (word.Length > 4 && word.EndsWith("es", StringComparison.Ordinal))
        {
            return word[..^2];
        }

        if (word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal))
        {
            return word[..^1];
        }

        return word;
    }
}
