package io.pgwarden.admin;

import static io.pgwarden.admin.HttpConnectionCap.Admission.ADMITTED;
import static io.pgwarden.admin.HttpConnectionCap.Admission.REFUSED;
import static io.pgwarden.admin.HttpConnectionCap.Admission.REFUSED_FIRST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HttpConnectionCapTest {

    @Test
    void admitsUpToTheCapThenRefusesUntilOneCloses() {
        HttpConnectionCap cap = new HttpConnectionCap(2);

        assertEquals(ADMITTED, cap.admit());
        assertEquals(ADMITTED, cap.admit());
        assertEquals(REFUSED_FIRST, cap.admit());
        assertEquals(REFUSED, cap.admit());
        assertEquals(2, cap.open());

        cap.closed();
        assertEquals(ADMITTED, cap.admit());
        assertEquals(REFUSED_FIRST, cap.admit(), "a new episode at the cap is logged again");
    }

    @Test
    void aRefusalBelowTheCapNeverHappensAndACloseWithoutAnAdmissionIsABug() {
        HttpConnectionCap cap = new HttpConnectionCap(1);
        assertThrows(IllegalStateException.class, cap::closed);
        assertEquals(ADMITTED, cap.admit());
        cap.closed();
        assertEquals(0, cap.open());
        assertThrows(IllegalArgumentException.class, () -> new HttpConnectionCap(0));
    }
}
