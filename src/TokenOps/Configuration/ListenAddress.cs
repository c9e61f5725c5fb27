using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace TokenOps.Configuration;

/// <summary>
/// A <c>host:port</c> listen address. The host is an IP literal (IPv6 in brackets), <c>localhost</c>,
/// or <c>*</c> (all interfaces). Hostnames other than localhost are refused: binding to a name that
/// resolves to a public interface would silently expose the proxy (and the API keys passing through it).
/// </summary>
internal readonly record struct ListenAddress(string Host, IPAddress Address, int Port)
{
    public const string Example = "127.0.0.1:7878";

    /// <summary>True when only this machine can connect.</summary>
    public bool IsLoopback => IPAddress.IsLoopback(Address);

    /// <summary>The address a local client uses to reach this listener (all-interfaces binds are reached via loopback).</summary>
    public string ClientHost
    {
        get
        {
            if (Address.Equals(IPAddress.Any))
            {
                return "127.0.0.1";
            }

            if (Address.Equals(IPAddress.IPv6Any))
            {
                return "[::1]";
            }

            return Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + Address + "]" : Address.ToString();
        }
    }

    public override string ToString() => Host + ":" + Port.ToString(CultureInfo.InvariantCulture);

    public static ListenAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    public static bool TryParse(string text, out ListenAddress address, [NotNullWhen(false)] out string? error)
    {
        address = default;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"\"{text}\" is not an address like {Example}";
            return false;
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            error = $"\"{text}\": port \"{portText}\" is not a number from 0 to 65535";
            return false;
        }

        IPAddress? ip;
        if (host == "*")
        {
            ip = IPAddress.Any;
        }
        else if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            ip = IPAddress.Loopback;
        }
        else if (host.StartsWith('[') && host.EndsWith(']'))
        {
            if (!IPAddress.TryParse(host.AsSpan(1, host.Length - 2), out ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                error = $"\"{text}\": \"{host}\" is not an IPv6 address";
                return false;
            }
        }
        else if (!IPAddress.TryParse(host, out ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            error = $"\"{text}\": host must be an IP address, [IPv6] or localhost, like {Example}";
            return false;
        }

        address = new ListenAddress(host, ip, port);
        error = null;
        return true;
    }
}
