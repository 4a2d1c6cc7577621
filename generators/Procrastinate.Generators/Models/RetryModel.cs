using Procrastinate.Generators.Helpers;

namespace Procrastinate.Generators.Models;

/// <summary>The retry settings of a task, resolved to what the registry entry constructs.</summary>
/// <param name="StrategyTypeName">A custom strategy type to construct, or <see langword="null"/> for the standard strategy.</param>
/// <param name="MaxAttempts">Retries; <see langword="null"/> for forever.</param>
/// <param name="Wait">Constant wait, in seconds.</param>
/// <param name="LinearWait">Linear wait, in seconds.</param>
/// <param name="ExponentialWait">Exponential base, in seconds.</param>
/// <param name="RetryOn">Exception types that are retried (fully qualified); empty means all.</param>
internal sealed record RetryModel(
    string? StrategyTypeName,
    int? MaxAttempts,
    double Wait,
    double LinearWait,
    double ExponentialWait,
    EquatableArray<string> RetryOn);
