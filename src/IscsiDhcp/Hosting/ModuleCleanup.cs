using System;
using System.Management.Automation;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// Remove-Module (and the end of the PowerShell process, which removes it): every session
    /// is logged out and every lease dropped, never released; the supervisor jobs end with them.
    /// </summary>
    public sealed class ModuleCleanup : IModuleAssemblyCleanup
    {
        public void OnRemove(PSModuleInfo psModuleInfo) =>
            InProcessService.Shared.ShutdownAsync(TimeSpan.FromSeconds(10)).Wait(TimeSpan.FromSeconds(15));
    }
}
