using Procrastinate.Generators.Helpers;

namespace Procrastinate.Generators.Models;

/// <summary>The retry settings of a task, resolved to what the registry entry constructs.</summary>
/// <param name="StrategyExpression">The C# expression that creates a custom strategy (its constructor or the user's
/// factory), or <see langword="null"/> for the standard strategy.</param>
/// <param name="MaxAttempts">Retries; <see langword="null"/> for forever.</param>
/// <param name="WaitSeconds">Constant wait, in seconds.</param>
/// <param name="LinearWaitSeconds">Linear wait, in seconds.</param>
/// <param name="ExponentialWaitSeconds">Exponential base, in seconds.</param>
/// <param name="RetryOn">Exception types that are retried (fully qualified); empty means all.</param>
internal sealed record RetryModel(
    string? StrategyExpression,
    int? MaxAttempts,
    double WaitSeconds,
    double LinearWaitSeconds,
    double ExponentialWaitSeconds,
    EquatableArray<string> RetryOn);
