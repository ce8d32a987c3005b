namespace IscsiDhcp.Tests.Operations;

/// <summary>Waits for what a fake does on its own threads (a job's end, a watch's event), failing after 10 s.</summary>
static class Eventually
{
    public static async Task WaitFor(Func<bool> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{what} did not happen");
            await Task.Delay(10);
        }
    }
}
