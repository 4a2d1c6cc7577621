namespace Procrastinate;

/// <summary>
/// Wraps the run of a job. Call <paramref name="next"/> to go on (and let its exceptions through so retries and
/// aborts still work); do work before and after it. Worker-wide middleware wraps per-task middleware.
/// </summary>
/// <param name="context">The job's context.</param>
/// <param name="next">The rest of the pipeline; returns the task's result.</param>
public delegate ValueTask<object?> JobMiddleware(JobContext context, Func<ValueTask<object?>> next);
