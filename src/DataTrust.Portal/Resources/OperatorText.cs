namespace DataTrust.Portal.Resources;

/// <summary>The marker type of the operator's and the data subject's strings (OperatorText.resx, OperatorText.zh-CN.resx): requests, licenses, consent.</summary>
public sealed class OperatorText
{
    private OperatorText()
    {
    }
}
