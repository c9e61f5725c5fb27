namespace TokenOps.Insights.Forecast;

/// <summary>One forecast run over a daily series (pure math, no I/O).</summary>
public sealed record ForecastResult(
    string Method,
    double Alpha,
    double Beta,
    double Gamma,
    double Phi,
    double Sigma,
    double[] Mean,
    double[] Lower80,
    double[] Upper80,
    double[] Lower95,
    double[] Upper95);

/// <summary>
/// Daily cost forecasting with additive exponential smoothing in error-correction (ETS) form
/// (Hyndman &amp; Athanasopoulos, Forecasting: Principles and Practice, 3rd ed., ch. 8, https://otexts.com/fpp3/ets.html):
/// <code>
/// ŷ_t = ℓ + φ·b + s_{t−m}      ε = y_t − ŷ_t
/// ℓ ← ℓ + φ·b + α·ε            b ← φ·b + β·ε        s_t ← s_{t−m} + γ·ε
/// </code>
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Fewer than 7 days of history: mean-based fallback (forecast = mean, band = mean ± z·sd·√(1 + 1/n)); 0 days: zeros.</item>
/// <item>7+ days: Holt's linear trend and damped trend (φ ∈ {0.8, 0.9, 0.98}); 21+ days (three weeks) also additive
/// Holt–Winters with weekly seasonality (m = 7). Parameters by grid search on the one-step SSE; the model is picked by
/// AIC = n·ln(SSE/n) + 2k, ties going to the simpler model.</item>
/// <item>Initial states: non-seasonal from a least-squares line over the first 10 days; seasonal from the first two weeks
/// (level = week-1 mean, trend = difference of weekly means / 7, seasonal = detrended week-1 deviations).</item>
/// <item>Bands: h-step variance σ²·(1 + Σ_{j=1}^{h−1} c_j²) with c_j = α + β·φ_j + γ·[j mod m = 0], φ_j = φ + … + φ^j
/// (fpp3 table 8.8, "class 1" models), σ² = SSE/n; z = 1.2816 (80%) and 1.96 (95%).</item>
/// <item>Costs are never negative: mean and bands are clamped at 0.</item>
/// </list>
/// </remarks>
public static class Forecaster
{
    public const int MinDaysForTrend = 7;
    public const int MinDaysForSeasonality = 21;
    public const int Season = 7;
    public const double Z80 = 1.2815515655446004;
    public const double Z95 = 1.959963984540054;

    private static readonly double[] Alphas = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
    /// <summary>β as a fraction of α (β* in component form), so 0 &lt; β &lt; α always holds.</summary>
    private static readonly double[] BetaFractions = [0.01, 0.05, 0.1, 0.2, 0.3, 0.5];
    private static readonly double[] Gammas = [0.01, 0.05, 0.1, 0.2, 0.3];
    private static readonly double[] NoGamma = [0.0];
    private static readonly double[] DampedPhis = [0.8, 0.9, 0.98];

    public static ForecastResult Run(ReadOnlySpan<double> history, int horizon)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(horizon);
        var n = history.Length;
        if (n == 0)
        {
            var zeros = new double[horizon];
            return new ForecastResult("none", 0, 0, 0, 1, 0, zeros, zeros, zeros, zeros, zeros);
        }

        if (n < MinDaysForTrend)
        {
            return MeanForecast(history, horizon);
        }

        Fit best = default;
        var bestAic = double.PositiveInfinity;
        void Consider(in Fit fit, int k)
        {
            var aic = n * Math.Log(Math.Max(fit.Sse / n, 1e-18)) + 2 * k;
            if (aic < bestAic - 1e-9)
            {
                bestAic = aic;
                best = fit;
            }
        }

        // Simplest first so that ties (e.g. a perfect fit) keep the simplest model.
        Consider(GridSearch(history, seasonal: false, phi: 1.0), k: 4);
        foreach (var phi in DampedPhis)
        {
            Consider(GridSearch(history, seasonal: false, phi), k: 5);
        }

        if (n >= MinDaysForSeasonality)
        {
            Consider(GridSearch(history, seasonal: true, phi: 1.0), k: 4 + Season);
            foreach (var phi in DampedPhis)
            {
                Consider(GridSearch(history, seasonal: true, phi), k: 5 + Season);
            }
        }

        return Project(history, best, horizon);
    }

    private static ForecastResult MeanForecast(ReadOnlySpan<double> history, int horizon)
    {
        var n = history.Length;
        double sum = 0;
        foreach (var v in history)
        {
            sum += v;
        }

        var mean = sum / n;
        double ss = 0;
        foreach (var v in history)
        {
            ss += (v - mean) * (v - mean);
        }

        var sd = n > 1 ? Math.Sqrt(ss / (n - 1)) : 0;
        var spread = sd * Math.Sqrt(1 + 1.0 / n);
        var m = new double[horizon];
        var l80 = new double[horizon];
        var u80 = new double[horizon];
        var l95 = new double[horizon];
        var u95 = new double[horizon];
        for (var h = 0; h < horizon; h++)
        {
            m[h] = Math.Max(0, mean);
            l80[h] = Math.Max(0, mean - Z80 * spread);
            u80[h] = Math.Max(0, mean + Z80 * spread);
            l95[h] = Math.Max(0, mean - Z95 * spread);
            u95[h] = Math.Max(0, mean + Z95 * spread);
        }

        return new ForecastResult("mean", 0, 0, 0, 1, sd, m, l80, u80, l95, u95);
    }

    private readonly record struct Fit(bool Seasonal, double Alpha, double Beta, double Gamma, double Phi, double Sse)
    {
        public string Method => (Seasonal, Phi < 1) switch
        {
            (false, false) => "holt",
            (false, true) => "holt_damped",
            (true, false) => "holt_winters_weekly",
            _ => "holt_winters_weekly_damped",
        };
    }

    private static Fit GridSearch(ReadOnlySpan<double> y, bool seasonal, double phi)
    {
        var best = new Fit(seasonal, 0, 0, 0, phi, double.PositiveInfinity);
        Span<double> season = stackalloc double[Season];
        foreach (var alpha in Alphas)
        {
            foreach (var fraction in BetaFractions)
            {
                var beta = alpha * fraction;
                var gammas = seasonal ? Gammas : NoGamma;
                foreach (var gamma in gammas)
                {
                    if (seasonal && gamma >= 1 - alpha)
                    {
                        continue;
                    }

                    var sse = Smooth(y, seasonal, alpha, beta, gamma, phi, season, out _, out _);
                    if (sse < best.Sse - 1e-12)
                    {
                        best = new Fit(seasonal, alpha, beta, gamma, phi, sse);
                    }
                }
            }
        }

        return best;
    }

    /// <summary>Runs the filter over the history; returns the one-step SSE and the final level/trend (season updated in place).</summary>
    private static double Smooth(ReadOnlySpan<double> y, bool seasonal, double alpha, double beta, double gamma, double phi,
        Span<double> season, out double level, out double trend)
    {
        Initialize(y, seasonal, season, out level, out trend);
        double sse = 0;
        for (var t = 0; t < y.Length; t++)
        {
            var s = seasonal ? season[t % Season] : 0;
            var error = y[t] - (level + phi * trend + s);
            sse += error * error;
            level = level + phi * trend + alpha * error;
            trend = phi * trend + beta * error;
            if (seasonal)
            {
                season[t % Season] = s + gamma * error;
            }
        }

        return sse;
    }

    /// <summary>Initial states for time −1 (see type remarks).</summary>
    private static void Initialize(ReadOnlySpan<double> y, bool seasonal, Span<double> season, out double level, out double trend)
    {
        if (seasonal)
        {
            double week1 = 0, week2 = 0;
            for (var i = 0; i < Season; i++)
            {
                week1 += y[i];
                week2 += y[i + Season];
            }

            week1 /= Season;
            week2 /= Season;
            trend = (week2 - week1) / Season;
            // The week-1 mean sits at t = 3, so time −1 is 4 steps before it.
            level = week1 - 4 * trend;
            for (var i = 0; i < Season; i++)
            {
                season[i] = y[i] - (week1 + (i - 3) * trend);
            }

            return;
        }

        var k = Math.Min(y.Length, 10);
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (var i = 0; i < k; i++)
        {
            sx += i;
            sy += y[i];
            sxx += (double)i * i;
            sxy += i * y[i];
        }

        var denominator = k * sxx - sx * sx;
        trend = denominator == 0 ? 0 : (k * sxy - sx * sy) / denominator;
        var intercept = (sy - trend * sx) / k;
        level = intercept - trend;
    }

    private static ForecastResult Project(ReadOnlySpan<double> y, Fit fit, int horizon)
    {
        Span<double> season = stackalloc double[Season];
        var sse = Smooth(y, fit.Seasonal, fit.Alpha, fit.Beta, fit.Gamma, fit.Phi, season, out var level, out var trend);
        var sigma = Math.Sqrt(sse / y.Length);
        var n = y.Length;
        var m = new double[horizon];
        var l80 = new double[horizon];
        var u80 = new double[horizon];
        var l95 = new double[horizon];
        var u95 = new double[horizon];
        double phiSum = 0;        // φ_h = φ + … + φ^h
        double phiPower = 1;
        double varianceFactor = 1; // 1 + Σ_{j<h} c_j²
        for (var h = 1; h <= horizon; h++)
        {
            phiPower *= fit.Phi;
            phiSum += phiPower;
            var s = fit.Seasonal ? season[(n + h - 1) % Season] : 0;
            var mean = level + phiSum * trend + s;
            var sd = sigma * Math.Sqrt(varianceFactor);
            m[h - 1] = Math.Max(0, mean);
            l80[h - 1] = Math.Max(0, mean - Z80 * sd);
            u80[h - 1] = Math.Max(0, mean + Z80 * sd);
            l95[h - 1] = Math.Max(0, mean - Z95 * sd);
            u95[h - 1] = Math.Max(0, mean + Z95 * sd);
            // c_h for the next step's variance (uses φ_h, the sum through this h).
            var c = fit.Alpha + fit.Beta * phiSum + (fit.Seasonal && h % Season == 0 ? fit.Gamma : 0);
            varianceFactor += c * c;
        }

        return new ForecastResult(fit.Method, fit.Alpha, fit.Beta, fit.Gamma, fit.Phi, sigma, m, l80, u80, l95, u95);
    }
}
