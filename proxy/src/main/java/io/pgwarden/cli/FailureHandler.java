package io.pgwarden.cli;

import io.pgwarden.config.ConfigError;
import io.pgwarden.config.ConfigException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a failed command into one readable message and exit code 1: every error of a rejected
 * config file on its own line, otherwise the exception's message. No stack traces for users.
 */
final class FailureHandler implements IExecutionExceptionHandler {

    static final int FAILED = 1;

    @Override
    public int handleExecutionException(Exception failure, CommandLine command, ParseResult parsed) {
        PrintWriter err = command.getErr();
        if (failure instanceof ConfigException rejected) {
            for (ConfigError error : rejected.errors()) {
                err.println(error);
            }
        } else {
            err.println("pgwarden: " + failure.getMessage());
        }
        err.flush();
        return FAILED;
    }
}
