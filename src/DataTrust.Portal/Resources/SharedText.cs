namespace DataTrust.Portal.Resources;

/// <summary>The marker type of the portal's shared strings (SharedText.resx, SharedText.zh-CN.resx): layout, navigation, common messages.</summary>
public sealed class SharedText
{
    private SharedText()
    {
    }
}
