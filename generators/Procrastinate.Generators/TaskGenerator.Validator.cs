using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Procrastinate.Generators.Diagnostics;
using Procrastinate.Generators.Helpers;
using Procrastinate.Generators.Models;

namespace Procrastinate.Generators;

/// <content>The checks that compare tasks with each other, made once for both the sources and the diagnostics.</content>
public sealed partial class TaskGenerator
{
    /// <summary>Decides, across all tasks, which get a handle, their hint names and the JSON contexts they use.</summary>
    internal static class Validator
    {
        /// <summary>
        /// Validates <paramref name="tasks"/> (location-free) together: JSON context coverage, unique task names and
        /// aliases, unique handle types, unique hint names.
        /// </summary>
        public static TaskSetModel Validate(
            ImmutableArray<TaskModel> tasks,
            ImmutableArray<JsonContextModel> jsonContexts,
            CancellationToken cancellationToken)
        {
            var coverage = Coverage(jsonContexts);
            var names = new Dictionary<string, TaskModel>(StringComparer.Ordinal);
            var handles = new Dictionary<string, TaskModel>(StringComparer.Ordinal);
            var hintNames = new HashSet<string>(StringComparer.Ordinal);
            var sources = new List<TaskSourceModel>();
            var registered = new List<string>();
            var diagnostics = new List<CrossTaskDiagnostic>();
            for (var index = 0; index < tasks.Length; index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var task = tasks[index];
                var emitHandle = task.EmitHandle
                    && CheckCoverage(index, task, coverage, diagnostics)
                    && CheckUnique(index, task, names, handles, diagnostics);
                if (!task.EmitDefinition && !emitHandle)
                {
                    continue;
                }

                var contexts = emitHandle ? ContextsOf(task, coverage) : [];
                sources.Add(new TaskSourceModel(task, emitHandle, UniqueHintName(hintNames, task), contexts.ToEquatableArray()));
                if (emitHandle)
                {
                    registered.Add(task.HandleTypeName + ".Definition");
                }
            }

            return new TaskSetModel(sources.ToEquatableArray(), registered.ToEquatableArray(), diagnostics.ToEquatableArray());
        }

        /// <summary>Which context serves each covered type (the first by name when several do).</summary>
        private static Dictionary<string, string> Coverage(ImmutableArray<JsonContextModel> jsonContexts)
        {
            var coverage = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var jsonContext in jsonContexts.OrderBy(static c => c.TypeName, StringComparer.Ordinal))
            {
                foreach (var covered in jsonContext.CoveredTypes)
                {
                    if (!coverage.ContainsKey(covered))
                    {
                        coverage.Add(covered, jsonContext.TypeName);
                    }
                }
            }

            return coverage;
        }

        /// <summary>The contexts the task's arguments need, so its file changes only when one of those does.</summary>
        private static List<JsonContextUse> ContextsOf(TaskModel task, Dictionary<string, string> coverage)
        {
            var uses = new List<JsonContextUse>();
            foreach (var parameter in task.Parameters)
            {
                for (var type = parameter.Type; type is not null; type = type.Element)
                {
                    if (type.Kind == ValueKind.Context
                        && coverage.TryGetValue(type.ContextTypeName!, out var context)
                        && !uses.Any(u => u.CoveredType == type.ContextTypeName))
                    {
                        uses.Add(new JsonContextUse(type.ContextTypeName!, context));
                    }
                }
            }

            return uses;
        }

        private static string UniqueHintName(HashSet<string> used, TaskModel task)
        {
            var baseName = task.DisplayName;
            var candidate = baseName + ".g.cs";
            for (var i = 2; !used.Add(candidate); i++)
            {
                candidate = baseName + "." + i.ToString(CultureInfo.InvariantCulture) + ".g.cs";
            }

            return candidate;
        }

        private static bool CheckCoverage(int index, TaskModel task, Dictionary<string, string> coverage, List<CrossTaskDiagnostic> diagnostics)
        {
            var covered = true;
            for (var p = 0; p < task.Parameters.Count; p++)
            {
                var parameter = task.Parameters[p];
                for (var type = parameter.Type; type is not null; type = type.Element)
                {
                    if (type.Kind == ValueKind.Context && !coverage.ContainsKey(type.ContextTypeName!))
                    {
                        diagnostics.Add(new CrossTaskDiagnostic(
                            index,
                            p,
                            DiagnosticDescriptors.UncoveredParameterType,
                            new[]
                            {
                                parameter.Name.TrimStart('@'),
                                task.TaskName,
                                parameter.TypeName.Replace("global::", ""),
                                type.ContextTypeName!.Replace("global::", ""),
                            }.ToEquatableArray()));
                        covered = false;
                    }
                }
            }

            return covered;
        }

        private static bool CheckUnique(
            int index,
            TaskModel task,
            Dictionary<string, TaskModel> names,
            Dictionary<string, TaskModel> handles,
            List<CrossTaskDiagnostic> diagnostics)
        {
            var unique = true;
            foreach (var name in new[] { task.TaskName }.Concat(task.Aliases))
            {
                if (names.TryGetValue(name, out var other))
                {
                    diagnostics.Add(new CrossTaskDiagnostic(
                        index,
                        -1,
                        DiagnosticDescriptors.DuplicateTaskName,
                        new[] { name, "'" + other.DisplayName + "'", "'" + task.DisplayName + "'" }.ToEquatableArray()));
                    unique = false;
                }
            }

            var handle = task.HandleTypeName;
            if (handles.TryGetValue(handle, out var clash))
            {
                diagnostics.Add(new CrossTaskDiagnostic(
                    index,
                    -1,
                    DiagnosticDescriptors.GeneratedNameClash,
                    new[]
                    {
                        "handle type",
                        handle.Replace("global::", ""),
                        task.TaskName,
                        "the handle of task '" + clash.TaskName + "'; rename one of the methods",
                    }.ToEquatableArray()));
                unique = false;
            }

            if (unique)
            {
                names[task.TaskName] = task;
                foreach (var alias in task.Aliases)
                {
                    names[alias] = task;
                }

                handles[handle] = task;
            }

            return unique;
        }
    }
}
