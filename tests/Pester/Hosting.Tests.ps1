# The bridge between Core operations and the pipeline (OperationCmdlet), driven through a
# cmdlet compiled here on top of it, in pwsh.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'IscsiDhcp.TestHelpers.psm1') -Force
    $manifestPath = Get-BuiltManifestPath
    Import-Module $manifestPath -Force
    $moduleFolder = Split-Path $manifestPath
    if (-not ('IscsiDhcpTests.InvokeMailboxProbeCommand' -as [type])) {
        Add-Type -ReferencedAssemblies (Join-Path $moduleFolder 'IscsiDhcp.dll'), (Join-Path $moduleFolder 'IscsiDhcp.Core.dll'), 'System.Management.Automation', 'System.Threading.Tasks', 'netstandard' -IgnoreWarnings -WarningAction SilentlyContinue -TypeDefinition @'
using System;
using System.Management.Automation;
using System.Threading.Tasks;
using IscsiDhcp.Hosting;

namespace IscsiDhcpTests
{
    // Writes an object, then asks ShouldProcess at once: the question waits in the mailbox
    // behind the object. Outcome says how the question ended.
    [Cmdlet(VerbsLifecycle.Invoke, "MailboxProbe", SupportsShouldProcess = true)]
    public sealed class InvokeMailboxProbeCommand : OperationCmdlet
    {
        public static TaskCompletionSource<string> Outcome = new TaskCompletionSource<string>();

        protected override void ProcessRecord() => Run(host => Task.Run(() =>
        {
            host.WriteObject(1);
            try { Outcome.TrySetResult(host.ShouldProcess("probe", "answer") ? "yes" : "no"); }
            catch (Exception e) { Outcome.TrySetResult(e.GetType().Name); }
        }));
    }
}
'@
    }
    Import-Module -Assembly ([IscsiDhcpTests.InvokeMailboxProbeCommand].Assembly) -Force
}

Describe 'OperationCmdlet' {
    It 'answers a question still queued when the pipeline fails, so its asker never blocks' {
        [IscsiDhcpTests.InvokeMailboxProbeCommand]::Outcome = [System.Threading.Tasks.TaskCompletionSource[string]]::new()
        # Downstream fails on the first object, after the question has been queued behind it.
        { Invoke-MailboxProbe -Confirm:$false | ForEach-Object { Start-Sleep -Milliseconds 300; throw 'downstream' } } | Should -Throw 'downstream'
        $outcome = [IscsiDhcpTests.InvokeMailboxProbeCommand]::Outcome.Task
        $outcome.Wait(5000) | Should -BeTrue -Because 'the operation must not wait forever for an answer nobody will give'
        $outcome.Result | Should -Be 'OperationCanceledException'
    }

    It 'still answers questions when the pipeline goes well' {
        [IscsiDhcpTests.InvokeMailboxProbeCommand]::Outcome = [System.Threading.Tasks.TaskCompletionSource[string]]::new()
        Invoke-MailboxProbe -Confirm:$false | Should -Be 1
        [IscsiDhcpTests.InvokeMailboxProbeCommand]::Outcome.Task.Result | Should -Be 'yes'
    }
}
