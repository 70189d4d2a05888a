package io.pgwarden;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The test class runs against one {@link TestPlatform} (real PostgreSQL 17 and pgwarden), started
 * before its first test and closed after its last; it goes into the class's static
 * {@code TestPlatform} field. {@code value} overrides the platform's settings, as {@code "NAME=value"}
 * (see {@link TestPlatform#start(java.util.Map)}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PlatformExtension.class)
public @interface WithPlatform {

    String[] value() default {};
}
