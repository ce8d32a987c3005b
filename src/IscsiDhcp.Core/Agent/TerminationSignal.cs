using System;
using System.Reflection;

namespace IscsiDhcp.Agent
{
    /// <summary>
    /// SIGTERM as a request to stop, the way a service manager means it: the agent logs its
    /// sessions out and returns, and the process ends on its own. .NET 6 and later have
    /// PosixSignalRegistration (PowerShell 7 runs on them); this assembly targets
    /// netstandard2.0, so it is found at run time. Where it is missing (Windows PowerShell)
    /// there is no SIGTERM to handle.
    /// </summary>
    public static class TerminationSignal
    {
        const int SigTerm = -4;   // PosixSignal.SIGTERM

        /// <summary>Calls <paramref name="stop"/> on SIGTERM instead of ending the process; null when the runtime cannot.</summary>
        public static IDisposable? Handle(Action stop)
        {
            var registration = Type.GetType("System.Runtime.InteropServices.PosixSignalRegistration, System.Runtime.InteropServices");
            var context = Type.GetType("System.Runtime.InteropServices.PosixSignalContext, System.Runtime.InteropServices");
            var signal = Type.GetType("System.Runtime.InteropServices.PosixSignal, System.Runtime.InteropServices");
            if (registration is null || context is null || signal is null) return null;
            var handler = new Handler(stop);
            var callback = Delegate.CreateDelegate(typeof(Action<>).MakeGenericType(context), handler,
                typeof(Handler).GetMethod(nameof(Handler.OnSignal))!.MakeGenericMethod(context));
            var create = registration.GetMethod("Create", BindingFlags.Public | BindingFlags.Static, null, new[] { signal, callback.GetType() }, null);
            return create?.Invoke(null, new[] { Enum.ToObject(signal, SigTerm), callback }) as IDisposable;
        }

        sealed class Handler
        {
            readonly Action stop;
            public Handler(Action stop) => this.stop = stop;

            public void OnSignal<TContext>(TContext context)
            {
                context!.GetType().GetProperty("Cancel")?.SetValue(context, true);   // the process stays; the agent stops and returns
                stop();
            }
        }
    }
}
