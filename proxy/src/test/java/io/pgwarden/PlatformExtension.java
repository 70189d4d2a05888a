package io.pgwarden;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.LinkedHashMap;
import java.util.Map;

/** Starts the {@link TestPlatform} a {@link WithPlatform} class asks for; JUnit closes it after the class. */
final class PlatformExtension implements BeforeAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Class<?> testClass = context.getRequiredTestClass();
        Field field = platformField(testClass);
        Map<String, String> settings = new LinkedHashMap<>();
        for (String setting : testClass.getAnnotation(WithPlatform.class).value()) {
            int equals = setting.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("@WithPlatform setting \"" + setting + "\" is not NAME=value");
            }
            settings.put(setting.substring(0, equals), setting.substring(equals + 1));
        }
        TestPlatform platform = TestPlatform.start(settings);
        context.getStore(ExtensionContext.Namespace.create(PlatformExtension.class, testClass))
                .put(TestPlatform.class, (ExtensionContext.Store.CloseableResource) platform::close);
        field.setAccessible(true);
        field.set(null, platform);
    }

    private static Field platformField(Class<?> testClass) {
        for (Field field : testClass.getDeclaredFields()) {
            if (field.getType() == TestPlatform.class && Modifier.isStatic(field.getModifiers())) {
                return field;
            }
        }
        throw new IllegalStateException(testClass.getSimpleName() + " has no static TestPlatform field for @WithPlatform");
    }
}
