namespace Procrastinate;

/// <summary>
/// Stores a task parameter under another JSON key, for example the Python name <c>max_hours</c> for a C#
/// parameter <c>maxHours</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class TaskArgumentAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    public TaskArgumentAttribute(string name)
    {
        Name = name;
    }

    /// <summary>The JSON key.</summary>
    public string Name { get; }
}
