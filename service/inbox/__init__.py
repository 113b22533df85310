"""The coordinators' inbox: lifecycle, response clock, absences, answers, figures."""
