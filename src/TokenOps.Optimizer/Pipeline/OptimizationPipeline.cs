using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TokenOps.Core.Events;
using TokenOps.Core.Pricing;
using TokenOps.Optimizer.Body;
using TokenOps.Optimizer.ContextTrim;
using TokenOps.Optimizer.ModelRouter;
using TokenOps.Optimizer.PromptCacheHint;
using TokenOps.Optimizer.PromptCompress;
using TokenOps.Optimizer.RetrievalPrune;
using TokenOps.Optimizer.SemanticDedupe;

namespace TokenOps.Optimizer.Pipeline;

/// <summary>
/// The ordered optimizer pipeline, shared by the three modes.
/// </summary>
/// <remarks>
/// <para>Each optimizer sees the body produced by the previous ACCEPTED rewrites (rewrites compose), on its own deep
/// copy: an optimizer that throws is recorded as <c>skipped</c> with the error and leaves nothing behind.</para>
/// <para>A recommendation is accepted when its kind is enabled (<c>optimizer.kinds</c>) and its quality is at least
/// <c>optimizer.min_quality</c>. The decision recorded depends on the run mode:</para>
/// <list type="bullet">
/// <item>interactive: accepted with a rewrite → <c>applied</c>; otherwise <c>rejected</c> with the reason. Once the latency
/// budget is spent, the remaining optimizers are <c>skipped</c> with reason <c>latency_budget</c>;</item>
/// <item>passive: everything is <c>skipped</c> (the request was forwarded unchanged); the reason says whether it would
/// have been applied;</item>
/// <item>replay: everything is <c>replay</c>; accepted rewrites still compose so the savings are not double-counted.</item>
/// </list>
/// <para>Tokens: before/after of every step come from the real tokenizer (RequestTokenCounter); dollars from the one
/// cost function (IPromptCostStamper) by pricing scratch events.</para>
/// </remarks>
public sealed class OptimizationPipeline
{
    public const string LatencyBudgetReason = "latency_budget";

    private readonly IOptimizer[] _optimizers;
    private readonly IPromptCostStamper? _stamper;
    private readonly TimeProvider _time;

    /// <summary>The standard six optimizers in <see cref="OptimizerKinds.All"/> order.</summary>
    public OptimizationPipeline(OptimizerOptions options, IPromptCostStamper? stamper = null, TimeProvider? time = null)
        : this(options, stamper, time, CreateDefault(options))
    {
    }

    internal OptimizationPipeline(OptimizerOptions options, IPromptCostStamper? stamper, TimeProvider? time, IOptimizer[] optimizers)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _stamper = stamper;
        _time = time ?? TimeProvider.System;
        _optimizers = optimizers;
    }

    public OptimizerOptions Options { get; }

    internal static IOptimizer[] CreateDefault(OptimizerOptions options) =>
    [
        new PromptCompressor(options),
        new SemanticDeduplicator(options),
        new RetrievalPruner(options),
        new ContextTrimmer(options),
        new ModelRouterOptimizer(options),
        new CacheHintOptimizer(options),
    ];

    /// <summary>Runs every optimizer over <paramref name="request"/>. Never throws for a bad body or a failing optimizer.</summary>
    public OptimizationOutcome Run(OptimizationRequest request, PipelineRunMode mode)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = _time.GetTimestamp();
        var meter = new TokenMeter(request.Provider, request.Operation, _stamper);
        // A read-only outline of the current body for MayPropose: from the parsed JSON when the caller has it (no tree is
        // built unless an optimizer may propose), else from the body's document; rebuilt after an accepted rewrite.
        var outline = request.BodyElement is { } element
            ? PromptOutline.Read(request.Provider, request.Operation, element)
            : PromptDocument.Create(request.Provider, request.Operation, request.Body) is { } given ? PromptOutline.Of(given) : null;
        if (outline is null)
        {
            return new OptimizationOutcome { Recommendations = [], Body = request.Body, Model = request.Model, Supported = false };
        }

        var current = request.Body;
        var model = request.Model;
        var tokens = request.InputTokens ?? (request.BodyElement is { } parsed ? meter.Count(parsed, model) : meter.Count(current, model));
        var tokensBefore = tokens;
        var recommendations = new List<Recommendation>();
        StringBuilder? applied = null;
        OptimizerLook? look = null;
        decimal? usdSaved = 0m;
        var budget = Options.LatencyBudgetMs >= 1e9 ? TimeSpan.MaxValue : TimeSpan.FromMilliseconds(Options.LatencyBudgetMs);

        for (var i = 0; i < _optimizers.Length; i++)
        {
            var optimizer = _optimizers[i];
            if (mode == PipelineRunMode.Interactive && _time.GetElapsedTime(started) >= budget)
            {
                for (var j = i; j < _optimizers.Length; j++)
                {
                    recommendations.Add(new Recommendation
                    {
                        Kind = _optimizers[j].Kind,
                        Decision = OptimizationDecisions.Skipped,
                        Reason = LatencyBudgetReason,
                        TokensBefore = tokens,
                        TokensAfter = tokens,
                    });
                }

                break;
            }

            OptimizerProposal? proposal;
            int after;
            try
            {
                outline ??= PromptOutline.Of(PromptDocument.Create(request.Provider, request.Operation, current)!);
                look ??= new OptimizerLook
                {
                    Request = request,
                    Outline = outline,
                    Model = model,
                    Tokens = tokens,
                    Meter = meter,
                    Options = Options,
                };
                if (!optimizer.MayPropose(look))
                {
                    continue;
                }

                var copy = (JsonObject)current.DeepClone();
                var document = PromptDocument.Create(request.Provider, request.Operation, copy)!;
                proposal = optimizer.Propose(new OptimizerInput
                {
                    Request = request,
                    Document = document,
                    Model = model,
                    Tokens = tokens,
                    Meter = meter,
                    Options = Options,
                });
                if (proposal is null)
                {
                    continue;
                }

                after = proposal.Body is null ? tokens : meter.Count(proposal.Body, proposal.Model ?? model);
                if (proposal.Body is not null && after >= tokens && proposal.Model is null && proposal.CacheableTokens is null)
                {
                    // A rewrite that saves nothing (e.g. only quotes normalised) is not worth a recommendation.
                    continue;
                }
            }
            catch (Exception ex)
            {
                recommendations.Add(new Recommendation
                {
                    Kind = optimizer.Kind,
                    Decision = OptimizationDecisions.Skipped,
                    Reason = "error: " + ex.GetType().Name + ": " + ex.Message,
                    TokensBefore = tokens,
                    TokensAfter = tokens,
                });
                continue;
            }

            var newModel = proposal.Model ?? model;
            var usd = proposal.CacheableTokens is { } cacheable
                ? CacheSavings(meter, newModel, cacheable)
                : meter.SavedCost(model, tokens, newModel, after);
            var enabled = Options.IsKindEnabled(optimizer.Kind);
            var goodEnough = proposal.Quality >= Options.MinQuality;
            var accepted = enabled && goodEnough;
            var canApply = accepted && proposal.Body is not null;
            var (decision, reason) = Decide(mode, proposal, enabled, goodEnough, canApply);
            recommendations.Add(new Recommendation
            {
                Kind = optimizer.Kind,
                Decision = decision,
                Reason = reason,
                TokensBefore = tokens,
                TokensAfter = after,
                EstimatedTokensSaved = tokens - after,
                EstimatedUsdSaved = usd,
                Quality = Math.Round(proposal.Quality, 3),
                Accepted = accepted,
                CacheableTokens = proposal.CacheableTokens,
                Model = proposal.Model,
                RewrittenBody = proposal.Body,
            });

            if (accepted)
            {
                usdSaved = usdSaved is { } total && usd is { } u ? total + u : null;
            }

            if (canApply)
            {
                current = proposal.Body!;
                outline = null;
                look = null;
                model = newModel;
                tokens = after;
                if (applied is null)
                {
                    applied = new StringBuilder(optimizer.Kind);
                }
                else
                {
                    applied.Append(',').Append(optimizer.Kind);
                }
            }
        }

        return new OptimizationOutcome
        {
            Recommendations = recommendations,
            Body = current,
            Model = model,
            Changed = !ReferenceEquals(current, request.Body),
            TokensBefore = tokensBefore,
            TokensAfter = tokens,
            EstimatedUsdSaved = usdSaved,
            AppliedKinds = applied?.ToString() ?? "",
        };
    }

    private (string Decision, string Reason) Decide(PipelineRunMode mode, OptimizerProposal proposal, bool enabled, bool goodEnough, bool canApply)
    {
        var why = !enabled ? "kind disabled in optimizer.kinds"
            : !goodEnough ? string.Create(CultureInfo.InvariantCulture, $"quality {proposal.Quality:0.###} < min_quality {Options.MinQuality:0.###}")
            : proposal.Body is null ? "advice only: no automatic rewrite"
            : null;
        return mode switch
        {
            PipelineRunMode.Interactive => canApply
                ? (OptimizationDecisions.Applied, proposal.Reason)
                : (OptimizationDecisions.Rejected, proposal.Reason + "; " + why),
            PipelineRunMode.Passive => (OptimizationDecisions.Skipped,
                "passive: " + proposal.Reason + (why is null ? "; would be applied in interactive mode" : "; " + why)),
            _ => (OptimizationDecisions.Replay, proposal.Reason + (why is null ? "" : "; " + why)),
        };
    }

    /// <summary>Prompt-cache savings per later request: the prefix billed at the cache-read price instead of the input price.</summary>
    private static decimal? CacheSavings(TokenMeter meter, string? model, int cacheable)
    {
        var full = meter.InputCost(model, cacheable);
        var cached = meter.InputCost(model, cacheable, cacheable);
        return full is { } f && cached is { } c ? f - c : null;
    }

    /// <summary>The OptimizationEvent for one recommendation (the bus/store payload).</summary>
    public static OptimizationEvent ToEvent(Recommendation recommendation, OptimizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(recommendation);
        ArgumentNullException.ThrowIfNull(request);
        return new OptimizationEvent
        {
            Kind = recommendation.Kind,
            Decision = recommendation.Decision,
            Reason = recommendation.Reason,
            TokensBefore = recommendation.TokensBefore,
            TokensAfter = recommendation.TokensAfter,
            EstimatedTokensSaved = recommendation.EstimatedTokensSaved,
            EstimatedUsdSaved = recommendation.EstimatedUsdSaved,
            Quality = recommendation.Quality,
            PromptHash = request.PromptHash,
            PromptEventId = request.PromptEventId,
            Provider = request.Provider,
            Model = request.Model,
            WorkflowId = request.WorkflowId,
            SessionId = request.SessionId,
            AgentId = request.AgentId,
        };
    }
}
