namespace DataTrust.Portal.Resources;

/// <summary>The marker type of the auditor's pages' strings (AuditText.resx, AuditText.zh-CN.resx): the audit page and the chain timeline.</summary>
public sealed class AuditText
{
    private AuditText()
    {
    }
}
