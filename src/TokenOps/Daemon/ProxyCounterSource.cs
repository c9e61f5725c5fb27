using System.Text;
using TokenOps.Proxy.Forwarding;

namespace TokenOps.Daemon;

/// <summary>The forwarder's counters under <c>proxy.*</c>, one <c>proxy.errors.&lt;error&gt;</c> per error kind seen.</summary>
internal sealed class ProxyCounterSource(ForwarderCounters counters) : IDaemonCounterSource
{
    private static readonly (ForwarderError Error, string Name)[] ErrorNames = BuildErrorNames();

    public void WriteCounters(IDictionary<string, long> target)
    {
        target["proxy.requests"] = counters.Requests;
        target["proxy.in_flight"] = counters.InFlight;
        target["proxy.request_bytes"] = counters.RequestBytes;
        target["proxy.response_bytes"] = counters.ResponseBytes;
        target["proxy.errors"] = counters.TotalErrors;
        target["proxy.completions_dropped"] = counters.CompletionsDropped;
        target["proxy.observer_failures"] = counters.ObserverFailures;
        foreach (var (error, name) in ErrorNames)
        {
            var count = counters.Errors(error);
            if (count != 0)
            {
                target[name] = count;
            }
        }
    }

    private static (ForwarderError, string)[] BuildErrorNames()
    {
        var values = Enum.GetValues<ForwarderError>();
        var names = new List<(ForwarderError, string)>(values.Length);
        foreach (var value in values)
        {
            if (value != ForwarderError.None)
            {
                names.Add((value, "proxy.errors." + SnakeCase(value.ToString())));
            }
        }

        return [.. names];
    }

    internal static string SnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}
