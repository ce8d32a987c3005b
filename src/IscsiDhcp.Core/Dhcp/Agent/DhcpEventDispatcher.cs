using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace IscsiDhcp.Dhcp.Agent
{
    /// <summary>
    /// Hands lease events to subscribers: in order per lease, each lease on a lane of its own,
    /// each handler on a thread of its own so one that hangs (past <see cref="SubscriberTimeLimit"/>)
    /// or throws is reported and the others still get the event.
    /// </summary>
    sealed class DhcpEventDispatcher
    {
        readonly object sender;
        readonly object gate = new();
        readonly Dictionary<DhcpLeaseKey, Task> lanes = new();
        [ThreadStatic] static bool delivering;

        public DhcpEventDispatcher(object sender) => this.sender = sender;

        public TimeSpan SubscriberTimeLimit { get; set; } = TimeSpan.FromSeconds(5);

        public event EventHandler<DhcpAgentEventArgs>? LeaseEvent;

        public event EventHandler<DhcpSubscriberFailureEventArgs>? SubscriberFailed;

        /// <summary>Reports a failure over an event (a subscriber's, or the interface configuration's).</summary>
        public void ReportFailure(DhcpSubscriberFailureEventArgs failure) => SubscriberFailed?.Invoke(sender, failure);

        /// <summary>Queues the event behind the lease's earlier ones; returns at once.</summary>
        public void Publish(DhcpAgentEventArgs args)
        {
            lock (gate)
            {
                var previous = lanes.TryGetValue(args.Lease, out var lane) ? lane : Task.CompletedTask;
                // Delivery waits on subscribers, so it runs on its own thread, never on the pool's.
                Task next = null!;
                next = previous.ContinueWith(_ =>
                {
                    Deliver(args);
                    lock (gate) if (lanes.TryGetValue(args.Lease, out var last) && last == next) lanes.Remove(args.Lease);
                }, CancellationToken.None, TaskContinuationOptions.LongRunning, TaskScheduler.Default);
                lanes[args.Lease] = next;
            }
        }

        /// <summary>
        /// Waits (a subscriber's time limit at most) until subscribers have had the lease's events
        /// so far. Not from a subscriber itself: it would wait for its own delivery.
        /// </summary>
        public void AwaitDelivery(DhcpLeaseKey lease)
        {
            if (delivering) return;
            Task? lane;
            lock (gate) lane = lanes.TryGetValue(lease, out var pending) ? pending : null;
            try { lane?.Wait(SubscriberTimeLimit); }
            catch (AggregateException) { }
        }

        void Deliver(DhcpAgentEventArgs args)
        {
            var handlers = LeaseEvent;
            if (handlers is null) return;
            foreach (EventHandler<DhcpAgentEventArgs> handler in handlers.GetInvocationList())
            {
                // A thread of its own too: a subscriber that hangs must not starve the pool.
                var call = Task.Factory.StartNew(() =>
                {
                    delivering = true;
                    handler(sender, args);
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                try
                {
                    if (!call.Wait(SubscriberTimeLimit))
                        ReportFailure(new DhcpSubscriberFailureEventArgs(args.InterfaceName, args.Event.Kind,
                            new TimeoutException($"a subscriber took longer than {SubscriberTimeLimit.TotalSeconds:0.#} s over {args.Event.Kind}")));
                }
                catch (AggregateException e)
                {
                    ReportFailure(new DhcpSubscriberFailureEventArgs(args.InterfaceName, args.Event.Kind, e.InnerException ?? e));
                }
            }
        }
    }
}
