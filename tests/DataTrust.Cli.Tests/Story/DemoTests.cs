namespace DataTrust.Cli.Tests.Story;

public class DemoTests
{
    [Fact]
    public async Task Demo_with_2000_rows_exits_0_runs_one_HE_job_of_each_kind_and_prints_the_passing_audit_verdict()
    {
        var run = await Commands.CliFixture.RunAsync(["demo", "--rows", "2000"], password: null);

        Assert.True(run.Exit == 0, run.Error + run.Out);
        Assert.Contains("audit verdict: PASS", run.Out, StringComparison.Ordinal);
        Assert.Contains("LicenseRevoked", run.Out, StringComparison.Ordinal);
        Assert.Contains("NotLicensee", run.Out, StringComparison.Ordinal);
        Assert.Contains("JOIN_KEY", run.Out, StringComparison.Ordinal);
        Assert.Contains("computed in a SIMULATED enclave", run.Out, StringComparison.Ordinal);
        Assert.Contains("companies and total tax paid in 2025 by district, for employers with more than 20 insured in 2025-10", run.Out, StringComparison.Ordinal);
        Assert.Contains("ε charged 1.0 on tax, 1.0 on social security, 0.0 on the OPEN register (its rows are public: quota only)", run.Out, StringComparison.Ordinal);
        Assert.Contains("market_regulation.district", run.Out, StringComparison.Ordinal);
        Assert.Contains("PASS release-logs", run.Out, StringComparison.Ordinal);
        Assert.Contains(": weighted sums", run.Out, StringComparison.Ordinal);
        Assert.Contains(": scores", run.Out, StringComparison.Ordinal);
        Assert.Contains("sum across 2 domains", run.Out, StringComparison.Ordinal);
        Assert.Contains("ERROR_REASON_CONSENT_MISSING", run.Out, StringComparison.Ordinal);
        Assert.Equal(3, run.Out.Split("decrypted locally").Length - 1);
    }

    [Fact]
    public async Task Demo_refuses_a_row_count_out_of_range_before_starting_anything()
    {
        var run = await Commands.CliFixture.RunAsync(["demo", "--rows", "5"], password: null);

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("--rows", run.Error, StringComparison.Ordinal);
    }
}
