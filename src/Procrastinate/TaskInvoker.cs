namespace Procrastinate;

/// <summary>
/// Runs a task for a job: reads <see cref="Job.Args"/>, calls the method and returns its result (or
/// <see langword="null"/>). Generated per task; never built by reflection.
/// </summary>
/// <exception cref="TaskArgumentsException">The arguments do not fit the task.</exception>
public delegate ValueTask<object?> TaskInvoker(JobContext context);
