package dev.joblet.examples.rnx;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * SIGWINCH handling through {@code sun.misc.Signal} (module jdk.unsupported), the JDK's only way to handle a signal.
 * It is reached reflectively because javac's warning on it cannot be suppressed and the build fails on warnings.
 * Not thread-safe: the caller installs and restores in order.
 */
final class WinchSignal {
    private WinchSignal() {}

    /**
     * Runs {@code onWinch} on each SIGWINCH from now on; returns the handler it replaced, for {@link #restore}.
     *
     * @throws IllegalArgumentException when this JVM does not let SIGWINCH be handled
     */
    static Object handle(Runnable onWinch) {
        Class<?> handlerType = type("sun.misc.SignalHandler");
        Object handler = Proxy.newProxyInstance(WinchSignal.class.getClassLoader(), new Class<?>[] {handlerType},
                (proxy, method, args) -> {
                    if (method.getName().equals("handle")) {
                        onWinch.run();
                        return null;
                    }
                    if (method.getName().equals("toString")) {
                        return "rnx SIGWINCH handler";
                    }
                    if (method.getName().equals("hashCode")) {
                        return System.identityHashCode(proxy);
                    }
                    return args != null && args.length == 1 && proxy == args[0]; // equals
                });
        return install(handler);
    }

    /** Puts back a handler {@link #handle} returned. */
    static void restore(Object previous) {
        install(previous);
    }

    private static Object install(Object handler) {
        Class<?> signalType = type("sun.misc.Signal");
        try {
            Object winch = signalType.getConstructor(String.class).newInstance("WINCH");
            Method handle = signalType.getMethod("handle", signalType, type("sun.misc.SignalHandler"));
            return handle.invoke(null, winch, handler);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalStateException("sun.misc.Signal.handle(WINCH) failed", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("sun.misc.Signal is not usable in this JVM", e);
        }
    }

    private static Class<?> type(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(name + " is not in this JVM (module jdk.unsupported)", e);
        }
    }
}
