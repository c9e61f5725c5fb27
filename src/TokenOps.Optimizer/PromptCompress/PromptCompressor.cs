using System.Globalization;
using System.Text;
using TokenOps.Optimizer.Body;
using TokenOps.Optimizer.Pipeline;

namespace TokenOps.Optimizer.PromptCompress;

/// <summary>
/// <c>prompt_compress</c>: lossless-in-meaning normalisation of prose in system and message text.
/// </summary>
/// <remarks>
/// <para>Algorithm, per text string (tool results and tool arguments are never touched — they are data):</para>
/// <list type="number">
/// <item>Split into lines and find fenced code blocks (CommonMark: a line starting, after at most 3 spaces, with ```
/// or ~~~ opens a fence closed by the same character repeated at least as often). Fenced lines are copied verbatim.</item>
/// <item>Indented code lines (a tab or 4+ spaces of indentation, the CommonMark indented-code rule) are copied verbatim —
/// the Go reference collapsed them and destroyed indentation. Every other line keeps its leading whitespace (list nesting).</item>
/// <item>Complete HTML comments <c>&lt;!-- … --&gt;</c> in prose are removed (an unclosed one is left alone).</item>
/// <item>Prose lines: smart quotes → ASCII quotes, non-breaking/narrow spaces → space, zero-width space and BOM removed
/// (the zero-width joiner is kept: emoji sequences need it), runs of spaces/tabs inside the line → one space, trailing
/// whitespace trimmed.</item>
/// <item>Runs of blank lines → one blank line; leading/trailing blank lines dropped.</item>
/// <item>Identical adjacent non-blank prose lines (pasted logs, repeated warnings) → one line with a <c> [×N]</c> count.</item>
/// </list>
/// <para>Quality: 0.97 when only whitespace/quotes changed (nothing the model reads is lost); 0.95 when comments were
/// removed or lines folded (the information is kept, its form changed).</para>
/// </remarks>
internal sealed class PromptCompressor(OptimizerOptions options) : IOptimizer
{
    public const double WhitespaceQuality = 0.97;
    public const double StructuralQuality = 0.95;

    public string Kind => OptimizerKinds.PromptCompress;

    /// <summary>Some non-tool text compresses (the same test Propose makes, without writing the result).</summary>
    public bool MayPropose(OptimizerLook look)
    {
        var stats = new CompressStats();
        var slots = look.Outline.Slots;
        for (var i = 0; i < slots.Count; i++)
        {
            if (slots[i].Kind != SlotKind.ToolResult)
            {
                var text = slots[i].Text;
                if (!string.Equals(text, Compress(text, options.CompressDuplicateLines, ref stats), StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public OptimizerProposal? Propose(OptimizerInput input)
    {
        var stats = new CompressStats();
        var changedSlots = 0;
        foreach (var slot in input.Document.Slots())
        {
            if (slot.Kind == SlotKind.ToolResult)
            {
                continue;
            }

            var text = slot.Text;
            var compressed = Compress(text, options.CompressDuplicateLines, ref stats);
            if (!string.Equals(text, compressed, StringComparison.Ordinal))
            {
                slot.Text = compressed;
                changedSlots++;
            }
        }

        if (changedSlots == 0)
        {
            return null;
        }

        var structural = stats.Comments > 0 || stats.FoldedLines > 0;
        return new OptimizerProposal
        {
            Body = input.Document.Root,
            Quality = structural ? StructuralQuality : WhitespaceQuality,
            Reason = string.Create(CultureInfo.InvariantCulture,
                $"normalised whitespace in {changedSlots} text block(s); {stats.Comments} HTML comment(s) removed; {stats.FoldedLines} duplicate line(s) folded; {stats.BlankRuns} blank-line run(s) collapsed; code blocks untouched"),
        };
    }

    internal struct CompressStats
    {
        public int Comments;
        public int FoldedLines;
        public int BlankRuns;
    }

    internal static string Compress(string text, bool foldDuplicates)
    {
        var stats = new CompressStats();
        return Compress(text, foldDuplicates, ref stats);
    }

    internal static string Compress(string text, bool foldDuplicates, ref CompressStats stats) =>
        text.Length == 0 || IsCompressed(text, foldDuplicates)
            ? text // most texts: nothing to change, nothing to split, copy or join
            : Rewrite(text, foldDuplicates, ref stats);

    /// <summary>The algorithm itself (see the class remarks), line by line.</summary>
    internal static string Rewrite(string text, bool foldDuplicates, ref CompressStats stats)
    {
        if (text.Length == 0)
        {
            return text;
        }

        var lines = text.Split('\n');
        var kinds = ClassifyLines(lines);
        RemoveComments(lines, kinds, ref stats);

        var output = new List<string>(lines.Length);
        var outKinds = new List<LineKind>(lines.Length);
        var pendingBlank = false;
        var blankRun = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var kind = kinds[i];
            if (kind != LineKind.Prose)
            {
                FlushBlank(output, outKinds, ref pendingBlank, ref blankRun, ref stats);
                output.Add(lines[i]);
                outKinds.Add(kind);
                continue;
            }

            var normalised = NormaliseProse(lines[i]);
            if (normalised.Length == 0)
            {
                pendingBlank = output.Count > 0;
                blankRun++;
                continue;
            }

            FlushBlank(output, outKinds, ref pendingBlank, ref blankRun, ref stats);
            output.Add(normalised);
            outKinds.Add(LineKind.Prose);
        }

        if (blankRun > 1)
        {
            stats.BlankRuns++;
        }

        if (foldDuplicates)
        {
            output = Fold(output, outKinds, ref stats);
        }

        return string.Join('\n', output);
    }

    /// <summary>
    /// True only when <see cref="Compress(string, bool, ref CompressStats)"/> would return <paramref name="text"/> unchanged
    /// (false says nothing): no HTML comment opens, every line is normalised prose (<see cref="IsNormalisedProse"/>; a
    /// fenced or indented line then comes out the same either way), no blank line starts or ends the text or follows
    /// another, and, when folding, no line repeats the one before it. Reads the text in place.
    /// </summary>
    internal static bool IsCompressed(string text, bool foldDuplicates)
    {
        var span = text.AsSpan();
        if (span.IndexOf("<!--", StringComparison.Ordinal) >= 0)
        {
            return false;
        }

        var previous = ReadOnlySpan<char>.Empty;
        var first = true;
        while (true)
        {
            var end = span.IndexOf('\n');
            var line = end < 0 ? span : span[..end];
            if (!IsNormalisedProse(line)
                || (line.IsEmpty && (first || end < 0 || previous.IsEmpty))
                || (foldDuplicates && !first && !line.IsEmpty && line.SequenceEqual(previous)))
            {
                return false;
            }

            if (end < 0)
            {
                return true;
            }

            previous = line;
            first = false;
            span = span[(end + 1)..];
        }
    }

    private static void FlushBlank(List<string> output, List<LineKind> outKinds, ref bool pendingBlank, ref int blankRun, ref CompressStats stats)
    {
        if (blankRun > 1)
        {
            stats.BlankRuns++;
        }

        if (pendingBlank)
        {
            output.Add("");
            outKinds.Add(LineKind.Prose);
        }

        pendingBlank = false;
        blankRun = 0;
    }

    private static List<string> Fold(List<string> lines, List<LineKind> kinds, ref CompressStats stats)
    {
        var folded = new List<string>(lines.Count);
        var i = 0;
        while (i < lines.Count)
        {
            var line = lines[i];
            var j = i + 1;
            if (kinds[i] == LineKind.Prose && line.Length > 0)
            {
                while (j < lines.Count && kinds[j] == LineKind.Prose && string.Equals(lines[j], line, StringComparison.Ordinal))
                {
                    j++;
                }
            }

            var count = j - i;
            if (count > 1)
            {
                stats.FoldedLines += count - 1;
                folded.Add(line + " [×" + count.ToString(CultureInfo.InvariantCulture) + "]");
            }
            else
            {
                folded.Add(line);
            }

            i = j;
        }

        return folded;
    }

    internal enum LineKind
    {
        Prose,
        Fence,
        IndentedCode,
    }

    /// <summary>Fenced blocks (including the fence lines) and indented code lines are verbatim; everything else is prose.</summary>
    internal static LineKind[] ClassifyLines(string[] lines)
    {
        var kinds = new LineKind[lines.Length];
        var fenceChar = '\0';
        var fenceLength = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var (marker, length) = FenceMarker(line);
            if (fenceChar != '\0')
            {
                kinds[i] = LineKind.Fence;
                if (marker == fenceChar && length >= fenceLength && line.AsSpan().Trim().TrimStart(marker).IsEmpty)
                {
                    fenceChar = '\0';
                }

                continue;
            }

            if (marker != '\0')
            {
                kinds[i] = LineKind.Fence;
                fenceChar = marker;
                fenceLength = length;
                continue;
            }

            kinds[i] = IsIndentedCode(line) ? LineKind.IndentedCode : LineKind.Prose;
        }

        return kinds;
    }

    private static (char Marker, int Length) FenceMarker(string line)
    {
        var spaces = 0;
        while (spaces < line.Length && spaces < 4 && line[spaces] == ' ')
        {
            spaces++;
        }

        if (spaces > 3 || spaces >= line.Length)
        {
            return ('\0', 0);
        }

        var c = line[spaces];
        if (c != '`' && c != '~')
        {
            return ('\0', 0);
        }

        var n = 0;
        while (spaces + n < line.Length && line[spaces + n] == c)
        {
            n++;
        }

        return n >= 3 ? (c, n) : ('\0', 0);
    }

    private static bool IsIndentedCode(string line)
    {
        if (line.Length == 0)
        {
            return false;
        }

        if (line[0] == '\t')
        {
            return line.AsSpan().Trim().Length > 0;
        }

        return line.StartsWith("    ", StringComparison.Ordinal) && line.AsSpan().Trim().Length > 0;
    }

    /// <summary>Removes complete <c>&lt;!-- --&gt;</c> comments that start and end on prose lines.</summary>
    private static void RemoveComments(string[] lines, LineKind[] kinds, ref CompressStats stats)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            if (kinds[i] != LineKind.Prose)
            {
                continue;
            }

            var open = lines[i].IndexOf("<!--", StringComparison.Ordinal);
            while (open >= 0)
            {
                var close = lines[i].IndexOf("-->", open + 4, StringComparison.Ordinal);
                if (close >= 0)
                {
                    lines[i] = lines[i].Remove(open, close + 3 - open);
                    stats.Comments++;
                    open = lines[i].IndexOf("<!--", open, StringComparison.Ordinal);
                    continue;
                }

                // Multi-line comment: only when it closes on a later prose line with nothing but prose in between.
                var end = -1;
                for (var j = i + 1; j < lines.Length && kinds[j] == LineKind.Prose; j++)
                {
                    if (lines[j].IndexOf("-->", StringComparison.Ordinal) >= 0)
                    {
                        end = j;
                        break;
                    }
                }

                if (end < 0)
                {
                    break;
                }

                lines[i] = lines[i][..open];
                for (var j = i + 1; j < end; j++)
                {
                    lines[j] = "";
                }

                var closeAt = lines[end].IndexOf("-->", StringComparison.Ordinal);
                lines[end] = lines[end][(closeAt + 3)..];
                stats.Comments++;
                break;
            }
        }
    }

    /// <summary>Quotes, odd spaces, interior runs and trailing whitespace of one prose line; leading indentation is kept.</summary>
    internal static string NormaliseProse(string line)
    {
        return IsNormalisedProse(line) ? line : RewriteProse(line); // most lines: nothing to change, nothing to copy
    }

    /// <summary>The normalisation itself: indent kept, quotes straightened, odd spaces made plain, runs of spaces
    /// collapsed, trailing spaces and zero-width characters dropped; "" for a line of indent alone.</summary>
    internal static string RewriteProse(string line)
    {
        var sb = new StringBuilder(line.Length);
        var i = 0;
        while (i < line.Length && (line[i] == ' ' || line[i] == '\t'))
        {
            sb.Append(line[i]);
            i++;
        }

        var lead = sb.Length;
        var lastWasSpace = false;
        for (; i < line.Length; i++)
        {
            var c = line[i];
            switch (c)
            {
                case '\u201C' or '\u201D' or '\u201E' or '\u201F':
                    c = '"';
                    break;
                case '\u2018' or '\u2019' or '\u201A' or '\u201B':
                    c = '\'';
                    break;
                case '\u00A0' or '\u2007' or '\u202F' or '\t' or '\r':
                    c = ' ';
                    break;
                case '\u200B' or '\uFEFF':
                    continue;
            }

            if (c == ' ')
            {
                if (lastWasSpace)
                {
                    continue;
                }

                lastWasSpace = true;
            }
            else
            {
                lastWasSpace = false;
            }

            sb.Append(c);
        }

        var end = sb.Length;
        while (end > lead && sb[end - 1] == ' ')
        {
            end--;
        }

        if (end == lead)
        {
            return "";
        }

        sb.Length = end;
        return sb.ToString();
    }

    /// <summary>What <see cref="NormaliseProse"/> would return unchanged: no typographic quote, odd space or tab after the
    /// indent, no run of spaces, no trailing space, and not a line of indent alone.</summary>
    private static bool IsNormalisedProse(ReadOnlySpan<char> line)
    {
        var i = 0;
        while (i < line.Length && (line[i] == ' ' || line[i] == '\t'))
        {
            i++;
        }

        if (i == line.Length)
        {
            return line.Length == 0;
        }

        var previous = '\0';
        for (; i < line.Length; i++)
        {
            var c = line[i];
            if (c is '\u201C' or '\u201D' or '\u201E' or '\u201F' or '\u2018' or '\u2019' or '\u201A' or '\u201B'
                or '\u00A0' or '\u2007' or '\u202F' or '\t' or '\r' or '\u200B' or '\uFEFF' || (c == ' ' && previous == ' '))
            {
                return false;
            }

            previous = c;
        }

        return previous != ' ';
    }
}
