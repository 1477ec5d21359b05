using System.Globalization;
using DataTrust.Protos.V1;

namespace DataTrust.Portal.Components.Pages.Enterprise;

/// <summary>Values of results and previews as the enterprise pages show them (invariant digits: figures are not localized).</summary>
internal static class ResultFormat
{
    /// <summary>The text of one value.</summary>
    public static string Value(Value? value) => value?.KindCase switch
    {
        Protos.V1.Value.KindOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        Protos.V1.Value.KindOneofCase.DoubleValue => value.DoubleValue.ToString("0.####", CultureInfo.InvariantCulture),
        Protos.V1.Value.KindOneofCase.DecimalValue => value.DecimalValue,
        Protos.V1.Value.KindOneofCase.StringValue => value.StringValue,
        Protos.V1.Value.KindOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        Protos.V1.Value.KindOneofCase.DateValue => $"{value.DateValue.Year:D4}-{value.DateValue.Month:D2}-{value.DateValue.Day:D2}",
        Protos.V1.Value.KindOneofCase.TimestampMicros => Micros(value.TimestampMicros, "yyyy-MM-dd HH:mm:ss"),
        Protos.V1.Value.KindOneofCase.TimestamptzMicros => Micros(value.TimestamptzMicros, "yyyy-MM-dd HH:mm:ss'Z'"),
        _ => string.Empty,
    };

    private static string Micros(long micros, string format) =>
        micros is > -62_135_596_800_000_000 and < 253_402_300_799_000_000
            ? DateTime.UnixEpoch.AddTicks(micros * 10).ToString(format, CultureInfo.InvariantCulture)
            : micros.ToString(CultureInfo.InvariantCulture);

    /// <summary>The number a chart plots for a value (null when it is not a number).</summary>
    public static double? Number(Value? value) => value?.KindCase switch
    {
        Protos.V1.Value.KindOneofCase.IntValue => value.IntValue,
        Protos.V1.Value.KindOneofCase.DoubleValue => value.DoubleValue,
        Protos.V1.Value.KindOneofCase.DecimalValue when double.TryParse(value.DecimalValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };
}
