using System.Text.Json;
using DataTrust.Core.Catalog;

namespace DataTrust.Node.Storage;

/// <summary>
/// The schema file of <c>node import --schema</c>: a JSON object whose <c>columns</c> object maps each column to import,
/// in order, to its type name (<see cref="ColumnTypes.Names"/>), e.g.
/// <c>{"columns": {"dep_time": "TIMESTAMP", "fare": "DECIMAL(10,2)"}}</c>. Columns of the file it does not list are
/// left out. An optional <c>$schema</c> key is ignored.
/// </summary>
public static class ImportSchemaFile
{
    /// <summary>Largest schema file read, in bytes.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>Reads and checks a schema file.</summary>
    /// <exception cref="StorageException">It is missing, too large, not JSON, not of this shape, or names a type the node cannot serve.</exception>
    public static DatasetSchema Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new StorageException($"The schema file '{full}' does not exist; check the path.");
        }

        if (new FileInfo(full).Length > MaxBytes)
        {
            throw new StorageException($"The schema file '{full}' is larger than {MaxBytes} bytes; a schema lists at most {DatasetSchema.MaxColumns} columns.");
        }

        return Parse(File.ReadAllText(full), full);
    }

    /// <summary>Parses the text of a schema file; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="StorageException">It is not JSON, not of this shape, or names a type the node cannot serve.</exception>
    public static DatasetSchema Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new StorageException($"The schema file {source} is not valid JSON (line {(e.LineNumber ?? 0) + 1}); write {{\"columns\": {{\"name\": \"TYPE\", …}}}}.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new StorageException($"The schema file {source} is not a JSON object; write {{\"columns\": {{\"name\": \"TYPE\", …}}}}.");
            }

            JsonElement? columns = null;
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "$schema" when property.Value.ValueKind == JsonValueKind.String:
                        break;
                    case "$schema":
                        throw new StorageException($"In the schema file {source}, \"$schema\" must be a string (the address of schemas/import-schema.schema.json).");
                    case "columns" when property.Value.ValueKind == JsonValueKind.Object:
                        columns = property.Value;
                        break;
                    case "columns":
                        throw new StorageException($"In the schema file {source}, \"columns\" must be an object mapping each column name to its type.");
                    default:
                        throw new StorageException($"The schema file {source} has an unknown key \"{property.Name}\"; it holds only \"columns\" (and \"$schema\").");
                }
            }

            if (columns is not { } map)
            {
                throw new StorageException($"The schema file {source} has no \"columns\" object; write {{\"columns\": {{\"name\": \"TYPE\", …}}}}.");
            }

            var definitions = new List<ColumnDefinition>();
            foreach (var column in map.EnumerateObject())
            {
                if (column.Value.ValueKind != JsonValueKind.String)
                {
                    throw new StorageException($"In the schema file {source}, column '{column.Name}' must map to a type name such as \"TIMESTAMP\" or \"DECIMAL(10,2)\".");
                }

                try
                {
                    definitions.Add(ColumnTypes.Parse(column.Name, column.Value.GetString()!));
                }
                catch (CatalogException e)
                {
                    throw new StorageException($"In the schema file {source}: {e.Message}", e);
                }
            }

            try
            {
                return new DatasetSchema(definitions);
            }
            catch (CatalogException e)
            {
                throw new StorageException($"The schema file {source} does not give a valid schema: {e.Message}", e);
            }
        }
    }
}
