using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;
using DataTrust.Portal.Resources;
using Microsoft.Extensions.Localization;

namespace DataTrust.Portal;

/// <summary>Turns what can go wrong in a page's action into one sentence for the page: the ledger's decoded refusal, a chain or node that went away.</summary>
public static class PortalErrors
{
    /// <summary>True for the failures a page shows as a message (anything else is a bug and is not caught).</summary>
    public static bool IsExpected(Exception exception) => exception is ContractRevertedException or RpcException or HttpRequestException
        or PortalException or IOException or TimeoutException or FormatException or ArgumentException or InvalidOperationException
        || exception.GetType().FullName == "Grpc.Core.RpcException"
        || exception.GetType().Name.EndsWith("ClientException", StringComparison.Ordinal)
        || exception.GetType().Name == "NodeRefusedException";

    /// <summary>The sentence a page shows for <paramref name="exception"/>; a ledger refusal names its decoded custom error.</summary>
    public static string Describe(Exception exception, IStringLocalizer<SharedText> text)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(text);
        return exception switch
        {
            ContractRevertedException refused => text["LedgerRefused", refused.Error.ToString() ?? refused.ErrorName, refused.Function],
            RpcException or HttpRequestException => text["ChainUnreachable", exception.Message],
            _ => exception.Message,
        };
    }
}
