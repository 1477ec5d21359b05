using DataTrust.Core.Catalog;

namespace DataTrust.Node.Storage.Internal;

/// <summary>Hands every value to two sinks: a snapshot is written out and hashed again in the same pass.</summary>
internal sealed class TeeSink(ISnapshotRowSink first, ISnapshotRowSink second) : ISnapshotRowSink
{
    public void AppendNull()
    {
        first.AppendNull();
        second.AppendNull();
    }

    public void AppendInt(long value)
    {
        first.AppendInt(value);
        second.AppendInt(value);
    }

    public void AppendDecimal(decimal value)
    {
        first.AppendDecimal(value);
        second.AppendDecimal(value);
    }

    public void AppendText(string value)
    {
        first.AppendText(value);
        second.AppendText(value);
    }

    public void AppendDate(DateOnly value)
    {
        first.AppendDate(value);
        second.AppendDate(value);
    }

    public void AppendBool(bool value)
    {
        first.AppendBool(value);
        second.AppendBool(value);
    }

    public void AppendTimestamp(long micros)
    {
        first.AppendTimestamp(micros);
        second.AppendTimestamp(micros);
    }

    public void AppendTimestampTz(long micros)
    {
        first.AppendTimestampTz(micros);
        second.AppendTimestampTz(micros);
    }

    public void AppendDouble(double value)
    {
        first.AppendDouble(value);
        second.AppendDouble(value);
    }

    public void EndRow()
    {
        first.EndRow();
        second.EndRow();
    }
}
