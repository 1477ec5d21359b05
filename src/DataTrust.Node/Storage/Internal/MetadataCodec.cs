using System.Globalization;
using System.Numerics;
using System.Text.Json;
using DataTrust.Core.Catalog;

namespace DataTrust.Node.Storage.Internal;

/// <summary>JSON form of schema and policy in the metadata table.</summary>
internal static class MetadataCodec
{
    public static string EncodeSchema(DatasetSchema schema) =>
        JsonSerializer.Serialize(schema.Columns.Select(c => new ColumnJson(
            c.Name, (int)c.Type, c.HasDeclaredScale ? c.Precision : null, c.HasDeclaredScale ? c.Scale : null)).ToArray());

    public static DatasetSchema DecodeSchema(string json)
    {
        var columns = JsonSerializer.Deserialize<ColumnJson[]>(json)
            ?? throw new StorageException("The metadata table holds an empty schema; re-import the dataset.");
        return new DatasetSchema(columns.Select(c => c.Precision is { } p && c.Scale is { } s
            ? ColumnDefinition.DecimalOf(c.Name, p, s)
            : new ColumnDefinition(c.Name, (ColumnType)c.Type)));
    }

    public static string EncodePolicy(DatasetPolicy policy) => JsonSerializer.Serialize(new PolicyJson(
        policy.MinGroupSize,
        policy.Dominance.N,
        policy.Dominance.Percent,
        (byte)policy.Grade,
        (uint)policy.AllowedKinds,
        policy.Columns.Select(c => new ColumnPolicyJson(
            c.Column,
            (int)c.Permissions,
            c.LowerBound?.ToString(CultureInfo.InvariantCulture),
            c.UpperBound?.ToString(CultureInfo.InvariantCulture),
            c.Domain?.ToArray(),
            c.GridStep?.ToString(CultureInfo.InvariantCulture),
            c.Bucket?.Format())).ToArray(),
        policy.EpsilonCap.Micros));

    public static DatasetPolicy DecodePolicy(string json)
    {
        var policy = JsonSerializer.Deserialize<PolicyJson>(json)
            ?? throw new StorageException("The metadata table holds an empty policy; re-import the dataset.");
        return new DatasetPolicy(
            policy.MinGroupSize,
            new DominanceRule(policy.DominanceN, policy.DominancePercent),
            (ProtectionGrade)policy.Grade,
            (ComputationKindSet)policy.AllowedKinds,
            policy.Columns.Select(c => new ColumnPolicy(
                c.Column,
                (ColumnPermissions)c.Permissions,
                c.LowerBound is null ? null : BigInteger.Parse(c.LowerBound, CultureInfo.InvariantCulture),
                c.UpperBound is null ? null : BigInteger.Parse(c.UpperBound, CultureInfo.InvariantCulture),
                c.Domain,
                c.GridStep is null ? null : BigInteger.Parse(c.GridStep, CultureInfo.InvariantCulture),
                c.Bucket is null ? null : BucketPolicy.Parse(c.Bucket))).ToArray())
        {
            EpsilonCap = new Epsilon(policy.EpsilonCapMicros),
        };
    }

    private sealed record ColumnJson(
        string Name,
        int Type,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? Precision = null,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] int? Scale = null);

    private sealed record ColumnPolicyJson(string Column, int Permissions, string? LowerBound, string? UpperBound, string[]? Domain, string? GridStep, string? Bucket = null);

    private sealed record PolicyJson(
        int MinGroupSize,
        int DominanceN,
        int DominancePercent,
        byte Grade,
        uint AllowedKinds,
        ColumnPolicyJson[] Columns,
        long EpsilonCapMicros);
}
