using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Procrastinate.PostgreSql.Tests.WorkerIntegration;

/// <summary>Examples docs/workers.md quotes: a task reading its job context, and a middleware.</summary>
public static partial class RecipeTasks
{
    /// <summary>The <see cref="JobContext.AdditionalContext"/> key of the queue greetings go to.</summary>
    public const string GreetingsKey = "greetings";

    /// <summary>Greets, saying which job, attempt and worker it is; the first attempt times out.</summary>
    [Task(Name = "tests.recipes.greet", Retry = 3, RetryOn = [typeof(TimeoutException)])]
    public static partial void Greet(string name, JobContext context)
    {
        var greetings = (ConcurrentQueue<string>)context.AdditionalContext[GreetingsKey]!;
        greetings.Enqueue($"{name}: job {context.Job.Id}, attempt {context.Job.Attempts + 1}, worker {context.WorkerName}");
        if (context.Job.Attempts == 0)
        {
            throw new TimeoutException("The first attempt always times out.");
        }
    }

    /// <summary>
    /// A middleware that stops the worker (gracefully: running jobs finish) when a job hits an error that no other
    /// job would survive either; the job itself still fails or retries as usual.
    /// </summary>
    public static JobMiddleware StopWorkerOn<TException>(ILogger logger)
        where TException : Exception =>
        async (context, next) =>
        {
            try
            {
                return await next();
            }
            catch (TException exception)
            {
                logger.LogCritical(exception, "Job {JobId} hit a fatal error; stopping worker {Worker}", context.Job.Id, context.WorkerName);
                context.Worker?.Stop();
                throw;
            }
        };
}
