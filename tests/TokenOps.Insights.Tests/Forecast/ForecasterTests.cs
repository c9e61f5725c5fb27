using TokenOps.Insights.Forecast;

namespace TokenOps.Insights.Tests.Forecast;

public sealed class ForecasterTests
{
    [Fact]
    public void Run_FlatSeries_ForecastsTheLevelWithZeroWidthBands()
    {
        var history = Enumerable.Repeat(5.0, 14).ToArray();

        var result = Forecaster.Run(history, 10);

        Assert.Equal("holt", result.Method);
        Assert.All(result.Mean, m => Assert.Equal(5.0, m, 1e-9));
        Assert.All(result.Upper95, u => Assert.Equal(5.0, u, 1e-9));
        Assert.All(result.Lower95, l => Assert.Equal(5.0, l, 1e-9));
    }

    [Fact]
    public void Run_LinearTrend_ExtrapolatesTheLine()
    {
        // y = 2 + 0.5 t for t = 0..29
        var history = Enumerable.Range(0, 30).Select(t => 2 + 0.5 * t).ToArray();

        var result = Forecaster.Run(history, 7);

        Assert.Equal("holt", result.Method);
        for (var h = 1; h <= 7; h++)
        {
            Assert.Equal(2 + 0.5 * (29 + h), result.Mean[h - 1], 1e-6);
        }
    }

    [Fact]
    public void Run_WeeklyPattern_FollowsTheSeasonality()
    {
        double[] pattern = [15, 10, 10, 10, 10, 7, 8]; // level 10 + {5,0,0,0,0,-3,-2}
        var history = Enumerable.Range(0, 28).Select(t => pattern[t % 7]).ToArray();

        var result = Forecaster.Run(history, 14);

        Assert.StartsWith("holt_winters_weekly", result.Method, StringComparison.Ordinal);
        for (var h = 0; h < 14; h++)
        {
            Assert.Equal(pattern[(28 + h) % 7], result.Mean[h], 1e-6);
        }
    }

    [Fact]
    public void Run_WeeklyPatternWithNoise_BeatsTrendOnlyAndStaysClose()
    {
        var random = new Random(7);
        double[] pattern = [20, 22, 21, 23, 19, 6, 4];
        var history = Enumerable.Range(0, 42).Select(t => pattern[t % 7] + random.NextDouble() - 0.5).ToArray();

        var result = Forecaster.Run(history, 7);

        Assert.StartsWith("holt_winters_weekly", result.Method, StringComparison.Ordinal);
        for (var h = 0; h < 7; h++)
        {
            Assert.Equal(pattern[(42 + h) % 7], result.Mean[h], 1.5); // within $1.50 of the true weekday level
        }
    }

    [Fact]
    public void Run_NoisyFlatSeries_BandsMatchTheNoiseAndWiden()
    {
        var random = new Random(42);
        // level 10, noise ~ N(0, 1) via Box-Muller
        var history = Enumerable.Range(0, 60).Select(_ =>
            10 + Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())).ToArray();

        var result = Forecaster.Run(history, 14);

        Assert.InRange(result.Sigma, 0.7, 1.3);
        Assert.InRange(result.Mean[0], 9.3, 10.7);
        var halfWidth95 = result.Upper95[0] - result.Mean[0];
        Assert.Equal(Forecaster.Z95 * result.Sigma, halfWidth95, 1e-9); // h = 1: exactly z·σ
        for (var h = 0; h < 14; h++)
        {
            Assert.True(result.Lower95[h] <= result.Lower80[h] && result.Lower80[h] <= result.Mean[h]);
            Assert.True(result.Mean[h] <= result.Upper80[h] && result.Upper80[h] <= result.Upper95[h]);
            if (h > 0)
            {
                Assert.True(result.Upper95[h] - result.Lower95[h] >= result.Upper95[h - 1] - result.Lower95[h - 1] - 1e-12);
            }
        }
    }

    [Fact]
    public void Run_ShortHistory_FallsBackToMeanWithSampleSdBands()
    {
        var result = Forecaster.Run([1.0, 2.0, 3.0], 3);

        Assert.Equal("mean", result.Method);
        Assert.All(result.Mean, m => Assert.Equal(2.0, m, 1e-12));
        var spread = 1.0 * Math.Sqrt(1 + 1.0 / 3); // sd = 1
        Assert.Equal(2.0 + Forecaster.Z95 * spread, result.Upper95[0], 1e-9);
        Assert.Equal(2.0 + Forecaster.Z80 * spread, result.Upper80[0], 1e-9);
        Assert.Equal(Math.Max(0, 2.0 - Forecaster.Z95 * spread), result.Lower95[0], 1e-9);
    }

    [Fact]
    public void Run_NoHistory_ForecastsZero()
    {
        var result = Forecaster.Run([], 5);

        Assert.Equal("none", result.Method);
        Assert.Equal(new double[5], result.Mean);
    }

    [Fact]
    public void Run_DecliningTrend_NeverNegative()
    {
        var history = Enumerable.Range(0, 14).Select(t => 20.0 - 1.5 * t).ToArray(); // 20 .. 0.5

        var result = Forecaster.Run(history, 30);

        Assert.All(result.Mean, m => Assert.True(m >= 0));
        Assert.All(result.Lower95, l => Assert.True(l >= 0));
        Assert.Equal(0, result.Mean[^1]);
    }

    [Fact]
    public void Run_GapsAsZeros_PullTheForecastDown()
    {
        // Spend every other day: missing days are zero (the service zero-fills), so the level is about half.
        var history = Enumerable.Range(0, 28).Select(t => t % 2 == 0 ? 10.0 : 0.0).ToArray();

        var result = Forecaster.Run(history, 7);

        Assert.InRange(result.Mean.Average(), 3.5, 6.5);
    }
}
