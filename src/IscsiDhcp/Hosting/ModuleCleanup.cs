using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using IscsiDhcp.Operations;

namespace IscsiDhcp.Hosting
{
    /// <summary>
    /// The end of the module: every session is logged out and every lease dropped, never
    /// released; the supervisor jobs end with them. That happens at Remove-Module, when the
    /// last runspace that imported the module closes (pwsh closes its runspace at `exit`),
    /// and, should neither come, when the process exits: a target must see a Logout, not
    /// only a FIN. Sessions belong to the process, so a second runspace that closes (a
    /// [powershell] instance, a thread job) leaves them to the others.
    /// </summary>
    public sealed class ModuleCleanup : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        static readonly TimeSpan LogoutTimeout = TimeSpan.FromSeconds(5);
        static readonly object Gate = new();
        static readonly HashSet<Runspace> Importers = new();
        static bool processExitHooked;

        public void OnImport()
        {
            var runspace = Runspace.DefaultRunspace;
            lock (Gate)
            {
                if (!processExitHooked)
                {
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => Shutdown();
                    processExitHooked = true;
                }
                if (runspace is not null && Importers.Add(runspace)) runspace.StateChanged += OnRunspaceStateChanged;
            }
        }

        public void OnRemove(PSModuleInfo psModuleInfo)
        {
            var runspace = Runspace.DefaultRunspace;
            lock (Gate)
            {
                if (runspace is not null && Importers.Remove(runspace)) runspace.StateChanged -= OnRunspaceStateChanged;
            }
            Shutdown();
        }

        static void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
        {
            if (sender is not Runspace runspace) return;
            if (e.RunspaceStateInfo.State is not (RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken)) return;
            bool last;
            lock (Gate)
            {
                if (!Importers.Remove(runspace)) return;
                runspace.StateChanged -= OnRunspaceStateChanged;
                last = Importers.Count == 0;
            }
            if (last) Shutdown();
        }

        /// <summary>Logs out (each session within LogoutTimeout, then drops it) and drops leases; waits for it, boundedly.</summary>
        static void Shutdown() =>
            InProcessService.Shared.ShutdownAsync(LogoutTimeout).Wait(LogoutTimeout + TimeSpan.FromSeconds(5));
    }
}
