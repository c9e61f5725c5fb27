using System.Globalization;
using System.Text.Json.Nodes;
using TokenOps.Optimizer.Body;
using TokenOps.Optimizer.Pipeline;

namespace TokenOps.Optimizer.ContextTrim;

/// <summary>
/// <c>context_trim</c>: keep the system prompt, the first user message and the most recent turns that fit an input-token budget.
/// </summary>
/// <remarks>
/// <para>Runs only when <c>optimizer.context_trim.max_tokens</c> &gt; 0 and the request is over it.</para>
/// <para>Algorithm:</para>
/// <list type="number">
/// <item>The conversation is cut into TURNS: a turn starts at every real user message (not a tool result travelling in a
/// user message) and runs to the next one. A tool call and its result therefore always sit in the same turn (OpenAI
/// <c>tool_calls</c> → role <c>tool</c>; Responses <c>function_call</c> → <c>function_call_output</c>; Anthropic
/// <c>tool_use</c> → <c>tool_result</c>; Gemini <c>functionCall</c> → <c>functionResponse</c>), so trimming whole turns
/// can never separate them.</item>
/// <item>Pinned: system messages and — unless <c>optimizer.context_trim.keep_first_user=false</c> — the first user
/// message (the task's instructions). The rest of the first turn is an ordinary unit.</item>
/// <item>Each message is measured once with the real tokenizer; units are kept newest-first while they fit
/// max_tokens − (tokens of everything pinned), up to <c>keep_last_turns</c> when set. The newest turn is always kept.</item>
/// <item>Between the pinned first message and the kept tail, one assistant note
/// <c>[TokenOps: N earlier message(s) (~T tokens) trimmed …]</c> is inserted: the model knows context is missing, and
/// user/assistant alternation (required by Anthropic and Gemini) is preserved.</item>
/// </list>
/// <para>Quality: 0.9 when at least two recent turns survive, 0.8 when only the newest one does (lossy either way; the
/// operator chose the budget).</para>
/// </remarks>
internal sealed class ContextTrimmer(OptimizerOptions options) : IOptimizer
{
    public string Kind => OptimizerKinds.ContextTrim;

    /// <summary>Only a conversation over <c>optimizer.context_trim.max_tokens</c> with something to drop.</summary>
    public bool MayPropose(OptimizerLook look) => look.Outline.HasConversation && OverBudget(look.Tokens, look.Outline.MessageCount);

    private bool OverBudget(int tokens, int messages) =>
        options.ContextTrimMaxTokens > 0 && tokens > options.ContextTrimMaxTokens && messages >= 3;

    public OptimizerProposal? Propose(OptimizerInput input)
    {
        var max = options.ContextTrimMaxTokens;
        var document = input.Document;
        if (document.Container is null || !OverBudget(input.Tokens, document.Messages.Count))
        {
            return null;
        }

        var messages = document.Messages;
        var firstUser = -1;
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].IsUserTurn)
            {
                firstUser = i;
                break;
            }
        }

        if (firstUser < 0)
        {
            return null;
        }

        var pinFirst = options.ContextTrimKeepFirstUser;

        // Units: [start, end) ranges over Messages, newest last; system messages are pinned, not part of units.
        var units = new List<(int Start, int End)>();
        var unitStart = pinFirst ? firstUser + 1 : 0;
        for (var i = unitStart; i < messages.Count; i++)
        {
            if (i > unitStart && messages[i].IsUserTurn)
            {
                units.Add((unitStart, i));
                unitStart = i;
            }
        }

        units.Add((unitStart, messages.Count));
        units.RemoveAll(u => u.Start >= u.End);

        var tokens = new int[messages.Count];
        var empty = EmptyCount(input);
        long droppable = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            tokens[i] = MessageTokens(input, messages[i].Node, empty);
            if (!Pinned(i))
            {
                droppable += tokens[i];
            }
        }

        var pinnedTokens = input.Tokens - droppable;
        // Reserve room for the trim note so the result really fits the budget.
        var reserve = pinFirst ? MessageTokens(input, document.AssistantText(Marker(99_999, 9_999_999, max)), empty) : 0;
        var budget = max - pinnedTokens - reserve;
        var keep = new bool[messages.Count];
        var keptUnits = 0;
        long used = 0;
        for (var u = units.Count - 1; u >= 0; u--)
        {
            var (start, end) = units[u];
            long cost = 0;
            for (var i = start; i < end; i++)
            {
                cost += Pinned(i) ? 0 : tokens[i];
            }

            var limitReached = options.ContextTrimKeepLastTurns > 0 && keptUnits >= options.ContextTrimKeepLastTurns;
            if (keptUnits > 0 && (used + cost > budget || limitReached))
            {
                break;
            }

            for (var i = start; i < end; i++)
            {
                keep[i] = true;
            }

            used += cost;
            keptUnits++;
        }

        var dropped = 0;
        long droppedTokens = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            if (!keep[i] && !Pinned(i))
            {
                dropped++;
                droppedTokens += tokens[i];
            }
        }

        if (dropped == 0)
        {
            return null;
        }

        var rebuilt = new JsonArray();
        var markerAdded = false;
        var container = document.Container;
        for (var i = 0; i < messages.Count; i++)
        {
            if (keep[i] || Pinned(i))
            {
                rebuilt.Add(Detach(container, messages[i].Node));
                continue;
            }

            if (!markerAdded && pinFirst)
            {
                rebuilt.Add((JsonNode)document.AssistantText(Marker(dropped, droppedTokens, max)));
                markerAdded = true;
            }
        }

        document.Root[document.ContainerProperty] = rebuilt;
        return new OptimizerProposal
        {
            Body = document.Root,
            Quality = keptUnits >= 2 ? 0.9 : 0.8,
            Reason = string.Create(CultureInfo.InvariantCulture,
                $"dropped {dropped} older message(s) (~{droppedTokens} tokens) to fit max_tokens {max}; kept system, {(pinFirst ? "the first user message, " : "")}and the last {keptUnits} turn(s); tool calls stay with their results"),
        };

        bool Pinned(int i) => messages[i].Role == "system" || (pinFirst && i == firstUser);
    }

    private static string Marker(int dropped, long droppedTokens, int max) => string.Create(CultureInfo.InvariantCulture,
        $"[TokenOps: {dropped} earlier message(s) (~{droppedTokens} tokens) trimmed to fit the {max}-token context budget]");

    private static JsonNode Detach(JsonArray container, JsonObject node)
    {
        container.Remove(node);
        return node;
    }

    private static int EmptyCount(OptimizerInput input) =>
        input.Meter.Count(new JsonObject { [input.Document.ContainerProperty] = new JsonArray() }, input.Model);

    /// <summary>Tokens one message adds: a body holding only that message, minus the empty body (message overhead included).</summary>
    private static int MessageTokens(OptimizerInput input, JsonObject message, int empty)
    {
        var probe = new JsonObject { [input.Document.ContainerProperty] = new JsonArray(message.DeepClone()) };
        return Math.Max(0, input.Meter.Count(probe, input.Model) - empty);
    }
}
