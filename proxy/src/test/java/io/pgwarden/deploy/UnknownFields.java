package io.pgwarden.deploy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The fields of a manifest that fabric8's Kubernetes model did not recognize. Its classes keep
 * such fields (a misspelt key, a key at the wrong level, a value of the wrong type) in
 * {@code additionalProperties} instead of failing, so a manifest loads whatever it says; this walks
 * the loaded objects and lists every one of them, with its path.
 */
final class UnknownFields {

    private UnknownFields() {
    }

    static List<String> in(Object resource) {
        List<String> found = new ArrayList<>();
        walk(resource, "", found);
        return found;
    }

    private static void walk(Object node, String path, List<String> found) {
        if (node instanceof List<?> items) {
            for (int i = 0; i < items.size(); i++) {
                walk(items.get(i), path + "[" + i + "]", found);
            }
            return;
        }
        if (node instanceof Map<?, ?> entries) {
            entries.forEach((key, value) -> walk(value, path + "." + key, found));
            return;
        }
        if (node == null || !node.getClass().getName().startsWith("io.fabric8.") || node.getClass().isEnum()) {
            return;
        }
        List<Method> getters = new ArrayList<>();
        for (Method method : node.getClass().getMethods()) {
            if (method.getParameterCount() == 0 && method.getName().startsWith("get") && !Modifier.isStatic(method.getModifiers())
                    && method.getDeclaringClass().getName().startsWith("io.fabric8.")) {
                getters.add(method);
            }
        }
        getters.sort(Comparator.comparing(Method::getName));
        for (Method getter : getters) {
            Object value = invoke(getter, node);
            if (getter.getName().equals("getAdditionalProperties")) {
                ((Map<?, ?>) value).keySet().forEach(key -> found.add(path + "." + key));
            } else {
                String property = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
                walk(value, path + "." + property, found);
            }
        }
    }

    private static Object invoke(Method getter, Object node) {
        try {
            return getter.invoke(node);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError("cannot read " + getter + " of " + node, e);
        }
    }
}
