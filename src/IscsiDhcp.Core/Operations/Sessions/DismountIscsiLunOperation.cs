using System;
using System.Linq;
using System.Threading.Tasks;
using IscsiDhcp.Nbd.Kernel;

namespace IscsiDhcp.Operations.Sessions
{
    /// <summary>Dismount-IscsiLun: detaches NBD devices that Mount-IscsiLun attached (nbd-client -d); the session and its export stay.</summary>
    public sealed class DismountIscsiLunOperation
    {
        readonly NbdKernelDriver driver;

        public DismountIscsiLunOperation(NbdKernelDriver? driver = null) => this.driver = driver ?? new NbdKernelDriver();

        public string[] Device { get; set; } = Array.Empty<string>();

        public Task RunAsync(ICommandHost host)
        {
            foreach (var device in Device)
            {
                try
                {
                    if (!driver.Devices().Contains(device))
                        throw new ArgumentException(driver.Unavailable() is { } why
                            ? $"-Device {device}: nothing can be attached on this host ({why})"
                            : $"-Device {device} is not an NBD device of this kernel ({string.Join(", ", driver.Devices().Take(4))}, ...)");
                    if (!driver.IsAttached(device)) throw new InvalidOperationException($"-Device {device} has nothing attached");
                    if (!host.ShouldProcess(device, "Detach the NBD device")) continue;
                    driver.Detach(device);
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.IO.IOException)
                {
                    host.WriteError(ErrorCatalog.Classify(e, device));
                }
            }
            return Task.CompletedTask;
        }
    }
}
