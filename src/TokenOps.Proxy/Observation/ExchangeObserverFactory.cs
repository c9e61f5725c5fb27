using ProviderNames = TokenOps.Core.Events.Providers;
using TokenOps.Proxy.Providers.Anthropic;
using TokenOps.Proxy.Providers.Gemini;
using TokenOps.Proxy.Providers.OpenAI;

namespace TokenOps.Proxy.Observation;

/// <summary>
/// Creates one <see cref="ExchangeObserver"/> per proxied exchange. The daemon wires it with the request body captured for
/// <c>capture.bodies</c> or the passive optimizer and the response body for <c>capture.bodies</c> only
/// (<see cref="ObservationOptions.CaptureRequestBodies"/>, <see cref="ObservationOptions.CaptureResponseBodies"/>).
/// The <see cref="TimeProvider"/> must be the one whose timestamps the forwarder passes to
/// <see cref="IExchangeObserver.OnResponseBody"/> (Stopwatch timestamps for <see cref="TimeProvider.System"/>).
/// </summary>
public sealed class ExchangeObserverFactory(ObservationOptions options, TimeProvider timeProvider) : IExchangeObserverFactory
{
    public ExchangeObserverFactory()
        : this(new ObservationOptions(), TimeProvider.System)
    {
    }

    public ObservationOptions Options { get; } = options;

    public IExchangeObserver? Create(string provider, string method, string path)
    {
        var operation = Operations.Classify(provider, method, path, out var pathModel);
        UsageTap? tap = provider switch
        {
            ProviderNames.OpenAI => new OpenAIUsageTap(operation, Options.MaxStreamedTextBytes),
            ProviderNames.Anthropic => new AnthropicUsageTap(),
            ProviderNames.Gemini => new GeminiUsageTap(),
            _ => null,
        };

        return tap is null
            ? null
            : new ExchangeObserver(Options, timeProvider, tap, provider, method, path, operation, pathModel);
    }
}
