package io.pgwarden.cli;

import io.pgwarden.config.ConfigError;
import io.pgwarden.config.ConfigException;
import java.io.PrintWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns a failed command into readable messages and exit code 1: every error of a rejected config
 * file on its own line, compiler style ({@code demo.yaml: databases.x.pool_size (line 14): ...}),
 * otherwise the exception's message. No stack traces for users.
 */
final class FailureHandler implements IExecutionExceptionHandler {

    static final int FAILED = 1;

    private static final Logger log = LoggerFactory.getLogger(FailureHandler.class);

    @Override
    public int handleExecutionException(Exception failure, CommandLine command, ParseResult parsed) {
        PrintWriter err = command.getErr();
        if (failure instanceof ConfigException rejected) {
            for (ConfigError error : rejected.errors()) {
                err.println(rejected.sourceName() + ": " + error);
            }
        } else {
            err.println("pgwarden: " + (failure.getMessage() != null ? failure.getMessage() : failure));
            log.debug("{} failed", command.getCommandName(), failure); // PGWARDEN_LOG_LEVEL=debug shows where
        }
        err.flush();
        return FAILED;
    }
}
