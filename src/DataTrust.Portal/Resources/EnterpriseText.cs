namespace DataTrust.Portal.Resources;

/// <summary>The marker type of the enterprise pages' strings (EnterpriseText.resx, EnterpriseText.zh-CN.resx): licenses, query builder, jobs, results, downloads.</summary>
public sealed class EnterpriseText
{
    private EnterpriseText()
    {
    }
}
