using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using TinyBeauty.Onnx;

namespace TinyBeauty.Cli;

/// <summary>Runs a command body and turns every failure into one line on standard error and an exit code.</summary>
internal static class CliRunner
{
    /// <summary>Exit code of a user error: bad input, a bad model, a bad argument.</summary>
    public const int UserError = 1;

    /// <summary>Exit code of an unexpected failure.</summary>
    public const int InternalError = 70;

    /// <summary>Exit code when the user cancelled with Ctrl+C.</summary>
    public const int Cancelled = 130;

    public static int Run(Func<CancellationToken, int> body)
    {
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;

        try
        {
            return body(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return Cancelled;
        }
        catch (ArgumentException exception)
        {
            // The parameter name is an implementation detail; the message already names the argument.
            var suffix = $" (Parameter '{exception.ParamName}')";
            var message = exception.Message.Replace(suffix, string.Empty, StringComparison.Ordinal);
            Console.Error.WriteLine($"error: {OneLine(message)}");
            return UserError;
        }
        catch (Exception exception) when (IsUserError(exception))
        {
            Console.Error.WriteLine($"error: {OneLine(exception.Message)}");
            return UserError;
        }
        catch (Exception exception)
        {
            Console.Error.WriteLine(
                $"error: unexpected {exception.GetType().Name}: {OneLine(exception.Message)}");
            return InternalError;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    public static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static bool IsUserError(Exception exception) => exception is CliException
        or FileNotFoundException
        or DirectoryNotFoundException
        or InvalidDataException
        or MakeupModelException
        or TinyBeauty.Amplify.Diffusion.Networks.DiffusionWeightsException
        or OnnxRuntimeException
        or InsufficientMemoryException
        or UnauthorizedAccessException
        or IOException;
}
