using System.Text.Json.Nodes;
using TokenOps.Optimizer.Body;

namespace TokenOps.Optimizer.Pipeline;

/// <summary>
/// One optimizer. Gets its own deep copy of the current body (so a throw can never leave a half-edited tree behind)
/// and returns a proposal, or null when it has nothing to say about this request.
/// </summary>
internal interface IOptimizer
{
    string Kind { get; }

    /// <summary>
    /// A cheap look at the request, read-only: false when <see cref="Propose"/> would certainly return null, so the
    /// pipeline skips copying the body (and, when every optimizer says no, building its tree at all). It must not be
    /// needed for side effects (an optimizer that records state on every request keeps the default).
    /// </summary>
    bool MayPropose(OptimizerLook look) => true;

    OptimizerProposal? Propose(OptimizerInput input);
}

/// <summary>What every optimizer call sees of the request, besides the body.</summary>
internal abstract class OptimizerContext
{
    public required OptimizationRequest Request { get; init; }

    /// <summary>Model the request will go to (after earlier rewrites).</summary>
    public required string? Model { get; init; }

    /// <summary>Input tokens of the current body (measured by the pipeline).</summary>
    public required int Tokens { get; init; }

    public required TokenMeter Meter { get; init; }

    public required OptimizerOptions Options { get; init; }
}

/// <summary>What <see cref="IOptimizer.MayPropose"/> sees: an outline of the current body, not its tree.</summary>
internal sealed class OptimizerLook : OptimizerContext
{
    public required PromptOutline Outline { get; init; }
}

/// <summary>What <see cref="IOptimizer.Propose"/> sees.</summary>
internal sealed class OptimizerInput : OptimizerContext
{
    /// <summary>The working copy: the optimizer may edit it in place and return it as <see cref="OptimizerProposal.Body"/>.</summary>
    public required PromptDocument Document { get; init; }
}

/// <summary>An optimizer's answer.</summary>
internal sealed class OptimizerProposal
{
    /// <summary>The rewritten body, or null for a recommendation the pipeline cannot apply by itself (advice only).</summary>
    public JsonObject? Body { get; init; }

    /// <summary>The model the rewritten body targets when it changed (model_router).</summary>
    public string? Model { get; init; }

    /// <summary>0..1: how close the answer to the rewritten request should be to the original's.</summary>
    public required double Quality { get; init; }

    public required string Reason { get; init; }

    /// <summary>prompt_cache_hint: prefix tokens that later requests can read from the provider cache.</summary>
    public int? CacheableTokens { get; init; }
}
