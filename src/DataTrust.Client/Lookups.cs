using DataTrust.Ledger.Contracts;

namespace DataTrust.Client;

/// <summary>Reads ledger state for commands, turning "no such thing" into one clear sentence before anything is sent.</summary>
public static class Lookups
{
    /// <summary>The catalog entry of a dataset.</summary>
    /// <exception cref="ClientException">No dataset with that id is published.</exception>
    public static async Task<Dataset> RequireDatasetAsync(ChainConnection connection, Hash32 id, string asGiven, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var ids = await connection.Ledger.Catalog.GetDatasetIdsAsync(cancellationToken).ConfigureAwait(false);
        if (!ids.Contains(id))
        {
            throw new ClientException($"No dataset '{asGiven}' ({id}) is published in the catalog; see 'datatrust enterprise catalog'.");
        }

        return await connection.Ledger.Catalog.GetDatasetAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A license request.</summary>
    /// <exception cref="ClientException">There is no request with that id.</exception>
    public static async Task<LicenseRequest> RequireRequestAsync(ChainConnection connection, ulong id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var count = await connection.Ledger.Licenses.GetRequestCountAsync(cancellationToken).ConfigureAwait(false);
        if (id == 0 || id > count)
        {
            throw new ClientException($"There is no license request {id} (requests run from 1 to {count}).");
        }

        return await connection.Ledger.Licenses.GetRequestAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A license.</summary>
    /// <exception cref="ClientException">There is no license with that id.</exception>
    public static async Task<License> RequireLicenseAsync(ChainConnection connection, ulong id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var count = await connection.Ledger.Licenses.GetLicenseCountAsync(cancellationToken).ConfigureAwait(false);
        if (id == 0 || id > count)
        {
            throw new ClientException($"There is no license {id} (licenses run from 1 to {count}).");
        }

        return await connection.Ledger.Licenses.GetLicenseAsync(id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every license that <paramref name="include"/> accepts, in id order.</summary>
    public static async Task<IReadOnlyList<License>> LicensesAsync(ChainConnection connection, Func<License, Task<bool>> include, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(include);
        var licenses = connection.Ledger.Licenses;
        var count = await licenses.GetLicenseCountAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<License>();
        for (ulong id = 1; id <= count; id++)
        {
            var license = await licenses.GetLicenseAsync(id, cancellationToken).ConfigureAwait(false);
            if (await include(license).ConfigureAwait(false))
            {
                result.Add(license);
            }
        }

        return result;
    }
}
