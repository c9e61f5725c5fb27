using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using TokenOps.Optimizer.Pipeline;
using Xunit.Abstractions;

namespace TokenOps.Optimizer.Tests.Eval;

/// <summary>
/// Runs every optimizer alone, then the whole pipeline, over the eval corpus and prints the savings table
/// (tokens and %, dollars from the embedded rate card). Also written to bench/eval/results.md when that folder exists.
/// </summary>
public sealed class EvalReportTests(ITestOutputHelper output)
{
    internal static readonly OptimizerOptions EvalOptions = new()
    {
        LatencyBudgetMs = double.MaxValue,
        ContextTrimMaxTokens = 3000,
        RouterRules =
        [
            new ModelRouteRule { From = "gpt-4o", To = "gpt-4o-mini", MaxInputTokens = 1500, Quality = 0.88 },
            new ModelRouteRule { From = "claude-sonnet-4-5", To = "claude-haiku-4-5", MaxInputTokens = 1500, Quality = 0.87 },
            new ModelRouteRule { From = "gemini-2.5-pro", To = "gemini-2.5-flash", MaxInputTokens = 1500, Quality = 0.87 },
        ],
    };

    private sealed class Row
    {
        public long Before;
        public long Saved;
        public decimal Usd;
        public int Hits;
        public long Cacheable;
    }

    [Fact]
    public void Eval_Corpus_EveryOptimizerSavesAndReportPrinted()
    {
        var corpus = EvalCorpus.Build();
        foreach (var provider in new[] { "openai", "anthropic", "gemini" })
        {
            Assert.True(corpus.Count(p => p.Provider == provider) >= 30);
        }

        var rows = new Dictionary<(string Provider, string Kind), Row>();
        var factories = OptimizationPipeline.CreateDefault(EvalOptions);
        foreach (var kind in OptimizerKinds.All.Append("all"))
        {
            foreach (var provider in new[] { "openai", "anthropic", "gemini" })
            {
                // One pipeline per (kind, provider) across the corpus, so prompt_cache_hint sees a session's repeats.
                var optimizers = kind == "all" ? OptimizationPipeline.CreateDefault(EvalOptions) : [OptimizationPipeline.CreateDefault(EvalOptions).First(o => o.Kind == kind)];
                var pipeline = new OptimizationPipeline(EvalOptions, TestBodies.Stamper, null, optimizers);
                var row = rows[(provider, kind)] = new Row();
                foreach (var prompt in corpus.Where(p => p.Provider == provider))
                {
                    var request = new OptimizationRequest
                    {
                        Provider = prompt.Provider,
                        Operation = TestBodies.OperationFor(prompt.Provider, prompt.Body),
                        Model = prompt.Model,
                        Body = (JsonObject)prompt.Body.DeepClone(),
                        SessionId = prompt.Session,
                    };
                    var outcome = pipeline.Run(request, PipelineRunMode.Replay);
                    Assert.True(outcome.Supported);
                    TestBodies.AssertProviderValid(prompt.Provider, outcome.Body);
                    row.Before += outcome.TokensBefore;
                    row.Saved += outcome.TokensBefore - outcome.TokensAfter;
                    row.Usd += outcome.EstimatedUsdSaved ?? 0;
                    foreach (var r in outcome.Recommendations.Where(r => r.Accepted))
                    {
                        row.Hits++;
                        row.Cacheable += r.CacheableTokens ?? 0;
                    }
                }
            }
        }

        _ = factories;
        var report = Render(rows, corpus.Count);
        output.WriteLine(report);
        var dir = FindEvalDir();
        if (dir is not null)
        {
            File.WriteAllText(Path.Combine(dir, "results.md"), report);
        }

        foreach (var provider in new[] { "openai", "anthropic", "gemini" })
        {
            Assert.True(rows[(provider, OptimizerKinds.PromptCompress)].Saved > 0);
            Assert.True(rows[(provider, OptimizerKinds.SemanticDedupe)].Saved > 0);
            Assert.True(rows[(provider, OptimizerKinds.RetrievalPrune)].Saved > 0);
            Assert.True(rows[(provider, OptimizerKinds.ContextTrim)].Saved > 0);
            Assert.True(rows[(provider, OptimizerKinds.PromptCacheHint)].Cacheable > 0);
            Assert.True(rows[(provider, "all")].Saved >= rows[(provider, OptimizerKinds.PromptCompress)].Saved);
        }

        Assert.True(rows[("openai", OptimizerKinds.ModelRouter)].Usd > 0);
        Assert.True(rows[("anthropic", OptimizerKinds.ModelRouter)].Usd > 0);
    }

    private static string Render(Dictionary<(string Provider, string Kind), Row> rows, int prompts)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Eval corpus: {prompts} prompts (6 templates x 5 variants x 3 providers); replay mode, each optimizer alone, then all composed.\n");
        sb.Append("Options: min_quality 0.85, context_trim.max_tokens 3000, router rules gpt-4o->gpt-4o-mini / sonnet-4.5->haiku-4.5 / gemini-2.5-pro->flash (<=1500 tokens).\n");
        sb.Append("Reproduce (rewrites this file): `dotnet test tests/TokenOps.Optimizer.Tests --filter FullyQualifiedName~EvalReportTests`\n\n");
        sb.Append("| provider | optimizer | accepted | tokens before | tokens saved | saved % | cacheable tokens | USD saved |\n");
        sb.Append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var ((provider, kind), row) in rows.OrderBy(r => r.Key.Provider).ThenBy(r => r.Key.Kind == "all" ? 99 : OptimizerKinds.All.ToList().IndexOf(r.Key.Kind)))
        {
            var pct = row.Before == 0 ? 0 : 100.0 * row.Saved / row.Before;
            sb.Append(CultureInfo.InvariantCulture, $"| {provider} | {kind} | {row.Hits} | {row.Before:#,0} | {row.Saved:#,0} | {pct:0.0}% | {row.Cacheable:#,0} | ${row.Usd:0.0000} |\n");
        }

        return sb.ToString();
    }

    private static string? FindEvalDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TokenOps.sln")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            return null;
        }

        var eval = Path.Combine(dir.FullName, "bench", "eval");
        return Directory.Exists(eval) ? eval : null;
    }
}
