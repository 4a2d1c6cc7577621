// Hosts set the process-wide ProcrastinateApp.Default, and the listeners see every Procrastinate span and
// measurement of the process: tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
